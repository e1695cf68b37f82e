using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using HyperSearch.Cli.Commands;
using HyperSearch.Cli.Parsing;

namespace HyperSearch.Cli;

/// <summary>The command tree. Adding a command is one line here: a static Create(CliOutput) that returns its
/// System.CommandLine Command (options, arguments and action).</summary>
internal static class CliCommands
{
    public static Command Root(CliOutput io)
    {
        var root = new Command("hypersearch", "distributed hyperparameter search for CNN image classifiers")
        {
            RunCommand.Create(io),
            SearchCommands.Create(io),
            ResultCommands.CreateReport(io),
            ResultCommands.CreateDiagnose(io),
            ModelCommands.Create(io),
            ValidateCommand.Create(io),
            KnobsCommand.Create(io),
            UiCommand.Create(io),
        };
        var help = new HelpOption();
        help.Action = new OverviewHelp(io.Stdout, (HelpAction)help.Action!);
        root.Add(help);
        return root;
    }

    /// <summary>`hypersearch --help` prints the hand-written overview of every command; `hypersearch CMD --help`
    /// the generated help of that command.</summary>
    private sealed class OverviewHelp(TextWriter stdout, HelpAction commandHelp) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            if (parseResult.CommandResult.Parent is not null)
            {
                return commandHelp.Invoke(parseResult);
            }

            stdout.WriteLine(Overview(parseResult.RootCommandResult.Command));
            return ExitCodes.Success;
        }
    }

    /// <summary>The overview: the hand-written usage of every command, plus the description of any command it does
    /// not describe yet (so a new command shows up without a second edit).</summary>
    public static string Overview(Command root)
    {
        var missing = root.Subcommands
            .Where(c => !c.Hidden && !Regex.IsMatch(CommandLine.Help, $@"hypersearch {Regex.Escape(c.Name)}\b"))
            .Select(c => $"  hypersearch {c.Name} ...\n      {c.Description}\n");
        var footer = CommandLine.Help.IndexOf(CommandLine.HelpFooter, StringComparison.Ordinal);
        return CommandLine.Help.Insert(footer - 1, string.Concat(missing));
    }
}
