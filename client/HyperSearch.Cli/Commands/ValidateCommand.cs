using System.CommandLine;
using HyperSearch.Cli.Parsing;
using HyperSearch.Specs;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch validate SPEC`: the complete check `run` makes before it starts, without starting.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliOutput io)
    {
        var spec = CliSymbols.Required("SPEC", "a YAML or JSON search spec");
        var dataDirectory = CliSymbols.Text("--data-dir", "DIR", "where datasets are found");
        var noData = CliSymbols.Flag("--no-data", "check the spec only, not its data");
        // --skip-data-check is the older name of --no-data.
        var skipDataCheck = CliSymbols.Flag("--skip-data-check", "the older name of --no-data");
        skipDataCheck.Hidden = true;
        var command = new Command("validate", "check a spec completely, loading and checking its data unless --no-data (0 valid, 2 invalid)")
        {
            spec, dataDirectory, noData, skipDataCheck,
        };
        command.SetAction(parsed => Validate(
            parsed.GetRequiredValue(spec), parsed.GetValue(dataDirectory), parsed.GetValue(noData) | parsed.GetValue(skipDataCheck), io.Stdout, io.Stderr));
        return command;
    }

    private static int Validate(string path, string? dataDirectory, bool noData, TextWriter stdout, TextWriter stderr)
    {
        var (spec, check) = SpecLoader.LoadChecked(path, dataDirectory, noData ? DataChecks.None : DataChecks.Load);
        foreach (var warning in check.Warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }

        var data = check.Data is { } loaded ? $"; data: {loaded}" : noData ? "; data not checked (--no-data)" : "";
        stdout.WriteLine($"{path}: valid — {spec.Space.Count} searched knob(s), {spec.Search.Sampler}/{spec.Search.Scheduler}, up to {spec.Search.MaxTrials} trials of {spec.MaxEpochs} epoch(s){data}");
        return ExitCodes.Success;
    }
}
