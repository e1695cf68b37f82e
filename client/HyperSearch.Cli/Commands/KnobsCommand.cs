using System.CommandLine;
using HyperSearch.Cli.Parsing;
using HyperSearch.Training;

namespace HyperSearch.Cli.Commands;

internal static class KnobsCommand
{
    public static Command Create(CliOutput io)
    {
        var command = new Command("knobs", "list the training knobs a spec's training and space sections can set");
        command.SetAction(_ => Run(io.Stdout));
        return command;
    }

    private static int Run(TextWriter stdout)
    {
        foreach (var knob in Hyperparameters.Knobs.Values.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            var allowed = knob.AllowedValues is { Count: > 0 } values ? $" ({string.Join("|", values)})" : "";
            stdout.WriteLine($"{knob.Name,-24} {knob.Kind,-7} {knob.Description}{allowed}");
        }

        return ExitCodes.Success;
    }
}
