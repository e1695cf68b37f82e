using HyperSearch.Training;

namespace HyperSearch.Cli.Commands;

internal static class KnobsCommand
{
    public static int Run(CliArguments args, TextWriter stdout)
    {
        args.RejectUnknown();
        foreach (var knob in Hyperparameters.Knobs.Values.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            var allowed = knob.AllowedValues is { Count: > 0 } values ? $" ({string.Join("|", values)})" : "";
            stdout.WriteLine($"{knob.Name,-24} {knob.Kind,-7} {knob.Description}{allowed}");
        }

        return ExitCodes.Success;
    }
}
