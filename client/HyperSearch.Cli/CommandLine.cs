using HyperSearch.Cli.Commands;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Specs;

namespace HyperSearch.Cli;

/// <summary>Dispatches a command line and maps failures to exit codes: 0 success, 2 bad input, 1 failure.
/// Errors go to stderr, the clear one-line reason first.</summary>
public static class CommandLine
{
    private static readonly IReadOnlySet<string> Flags = new HashSet<string>(StringComparer.Ordinal)
    {
        "json", "verbose", "wait", "skip-data-check", "no-data", "allow-distribution-shift", "help",
    };

    public const string Help = $"""
        hypersearch — distributed hyperparameter search for CNN image classifiers

        usage:
          {RunCommand.Usage}
              run a search in this process (an embedded silo, no services) and keep results in ./runs/<id>/
          hypersearch validate SPEC [--data-dir DIR] [--no-data]
              check a spec completely, loading and checking its data unless --no-data (0 valid, 2 invalid)
          hypersearch knobs
              list the training knobs a spec's training and space sections can set
        {SearchCommands.Usage}
        {ResultCommands.Usage}

        exit codes: 0 success, 1 failure or cancelled, 2 bad input (nothing started),
                    3 the search failed (no trial completed, or more than max_failed_trials failed)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            // -o is the one short option: the output of export, report and model export.
            var parsed = new CliArguments(args.Select(a => a == "-o" ? "--output" : a).ToArray(), Flags);
            if (parsed.Positionals.Count == 0 || parsed.Flag("help"))
            {
                stdout.WriteLine(Help);
                return parsed.Positionals.Count == 0 && !parsed.Flag("help") ? ExitCodes.BadInput : ExitCodes.Success;
            }

            return parsed.Positionals[0] switch
            {
                "run" => await RunCommand.RunAsync(parsed, stdout, stderr),
                "search" when parsed.Positionals.ElementAtOrDefault(1) == "export" => await ResultCommands.ExportAsync(parsed, stdout),
                "search" when parsed.Positionals.ElementAtOrDefault(1) == "diagnose" => await ResultCommands.DiagnoseAsync(parsed, stdout, 2),
                "search" when ResultCommands.IsLocalSearch(parsed) => await ResultCommands.LocalSearchAsync(parsed, stdout),
                "search" when LocalRunCommands.Handles(parsed) => await LocalRunCommands.RunAsync(parsed, stdout, stderr),
                "search" => await SearchCommands.RunAsync(parsed, stdout),
                "diagnose" => await ResultCommands.DiagnoseAsync(parsed, stdout, 1),
                "report" => await ResultCommands.ReportAsync(parsed, stdout),
                "model" => await ResultCommands.ModelAsync(parsed, stdout, stderr),
                "validate" => Validate(parsed, stdout, stderr),
                "knobs" => KnobsCommand.Run(parsed, stdout),
                var other => throw new UsageException($"unknown command '{other}' (expected run, search, report, diagnose, model, validate or knobs; see --help)"),
            };
        }
        catch (SpecException e)
        {
            // One problem fits the first line, which is all many readers see; several are listed after a count.
            if (e.Errors.Count == 1)
            {
                stderr.WriteLine($"error: invalid spec {e.Errors[0].Format(e.SpecSource)}; nothing was started");
            }
            else
            {
                stderr.WriteLine($"error: invalid spec {e.SpecSource} ({e.Errors.Count} problems); nothing was started");
                stderr.WriteLine(e.Message);
            }

            return ExitCodes.BadInput;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (AccessRefusedException e)
        {
            // The cluster's answer to this client's certificate: the role it grants does not allow the call.
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ConnectionException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: {e.GetBaseException().Message}");
            stderr.WriteLine(e.ToString());
            return ExitCodes.Failure;
        }
    }

    private static int Validate(CliArguments args, TextWriter stdout, TextWriter stderr)
    {
        var path = args.Positional(1, "SPEC");
        var dataDirectory = args.Option("data-dir");
        // --skip-data-check is the older name of --no-data.
        var noData = args.Flag("no-data") | args.Flag("skip-data-check");
        args.RejectUnknown();
        var (spec, check) = SpecLoader.LoadChecked(path, dataDirectory, noData ? DataChecks.None : DataChecks.Load);
        foreach (var warning in check.Warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }

        var data = check.Data is { } d ? $"; data: {d}" : noData ? "; data not checked (--no-data)" : "";
        stdout.WriteLine($"{path}: valid — {spec.Space.Count} searched knob(s), {spec.Search.Sampler}/{spec.Search.Scheduler}, up to {spec.Search.MaxTrials} trials of {spec.MaxEpochs} epoch(s){data}");
        return ExitCodes.Success;
    }
}
