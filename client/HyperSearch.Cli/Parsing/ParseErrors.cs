using System.CommandLine;
using System.CommandLine.Parsing;

namespace HyperSearch.Cli.Parsing;

/// <summary>Turns the parser's errors into one line that says what is wrong and where: the unknown option or
/// command, the option missing its value, the missing argument.</summary>
internal static class ParseErrors
{
    public static string NeedsValue(string option) => $"option {option} needs a value";

    /// <summary>Nothing but the program name: the caller prints the overview (exit 2, as before).</summary>
    public static bool IsBareCommandLine(ParseResult parsed) => parsed.Tokens.Count == 0;

    public static string Describe(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (parsed.UnmatchedTokens.Count > 0)
        {
            return Unmatched(parsed.UnmatchedTokens[0], parsed.CommandResult);
        }

        foreach (var error in parsed.Errors)
        {
            // A value parser's error sits on the option's argument: report it for the option.
            var at = error.SymbolResult is ArgumentResult { Parent: OptionResult owner } ? owner : error.SymbolResult;
            switch (at)
            {
                case OptionResult { Tokens.Count: 0 } option:
                    return NeedsValue(option.Option.Name);
                case OptionResult option when option.Tokens.Count > 1 && option.Option.Arity.MaximumNumberOfValues == 1:
                    return $"option {option.Option.Name} was given more than once";
                case OptionResult:
                    return error.Message; // ours, from CliSymbols' value parsers
                case ArgumentResult { Tokens.Count: 0 } argument:
                    return $"missing {Named(argument.Argument)}";
                case ArgumentResult:
                    return error.Message;
            }
        }

        if (command.Subcommands.Count > 0)
        {
            return $"missing a {command.Name} subcommand ({Choices(command)}; see {PathOf(parsed.CommandResult)} --help)";
        }

        return parsed.Errors.Count > 0 ? parsed.Errors[0].Message : "invalid command line (see hypersearch --help)";
    }

    private static string Unmatched(string token, CommandResult at)
    {
        var command = at.Command;
        if (token.StartsWith('-'))
        {
            return $"unknown option {token} (see {PathOf(at)} --help)";
        }

        if (command.Subcommands.Count > 0)
        {
            var what = at.Parent is null ? "command" : $"{command.Name} subcommand";
            return $"unknown {what} '{token}' (expected {Choices(command)}; see {PathOf(at)} --help)";
        }

        return $"unexpected argument '{token}' (see {PathOf(at)} --help)";
    }

    private static string Named(Argument argument) =>
        argument.Description is { Length: > 0 } description ? $"{argument.Name} ({description})" : argument.Name;

    private static string Choices(Command command)
    {
        var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names[..^1])} or {names[^1]}";
    }

    private static string PathOf(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult c)
            {
                names.Insert(0, c.Command.Name);
            }
        }

        return string.Join(' ', names);
    }
}
