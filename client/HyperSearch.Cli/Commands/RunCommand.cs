using System.CommandLine;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Silo.Hosting;
using HyperSearch.Specs;
using HyperSearch.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch run SPEC`: an in-process silo (no services), one search to completion, results and grain
/// state in the run directory, so `run SPEC --resume ID` continues it after Ctrl-C or a kill.</summary>
internal static class RunCommand
{
    public const string Usage = "hypersearch run SPEC [--json] [--run-dir DIR] [--id ID | --resume ID] [--slots N] [--threads N] [--data-dir DIR] [--warm-start RUN_DIR|SEARCH_ID] [--verbose]";

    public static Command Create(CliOutput io)
    {
        var spec = CliSymbols.Required("SPEC", "a YAML or JSON search spec");
        var json = CliSymbols.Flag("--json", "print one JSON summary at the end instead of the live table");
        var verbose = CliSymbols.Flag("--verbose", "log the embedded silo's progress");
        var runDir = CliSymbols.Text("--run-dir", "DIR", "where run directories are kept (default ./runs)");
        var id = CliSymbols.Text("--id", "ID", "the new search's id (default: its name, time and a random suffix)");
        var resume = CliSymbols.Text("--resume", "ID", "continue the search with this id from its run directory");
        var slots = CliSymbols.Integer("--slots", 1, "N", "trials trained at once (default 1)");
        var threads = CliSymbols.Integer("--threads", 1, "N", "CPU threads for training (default: all cores)");
        var dataDirectory = CliSymbols.Text("--data-dir", "DIR", "where datasets are found");
        var warmStart = CliSymbols.Text("--warm-start", "RUN_DIR|SEARCH_ID", "seed the sampler with a finished run's trials whose space is compatible");
        var command = new Command("run", "run a search in this process (an embedded silo, no services) and keep results in ./runs/<id>/")
        {
            spec, json, verbose, runDir, id, resume, slots, threads, dataDirectory, warmStart,
        };
        command.SetAction(parsed => RunAsync(
            new RunRequest(parsed.GetRequiredValue(spec), parsed.GetValue(json), parsed.GetValue(verbose), parsed.GetValue(runDir),
                parsed.GetValue(slots) ?? 1, parsed.GetValue(threads), parsed.GetValue(dataDirectory), parsed.GetValue(id), parsed.GetValue(resume))
            {
                WarmStart = parsed.GetValue(warmStart),
            },
            io.Stdout,
            io.Stderr));
        return command;
    }

    private sealed record RunRequest(string SpecPath, bool Json, bool Verbose, string? RunRoot, int Slots, int? Threads, string? DataDirectory, string? Id, string? Resume)
    {
        public string? WarmStart { get; init; }
    }

    private static async Task<int> RunAsync(RunRequest request, TextWriter stdout, TextWriter stderr)
    {
        var (specPath, json, verbose, runRootOption, slots, threads, dataDirectory, id, resume) = request;
        var runRoot = runRootOption ?? "runs";
        if (id is not null && resume is not null && id != resume)
        {
            throw new UsageException($"--id {id} and --resume {resume} name different searches; give one of them");
        }

        // Validate completely before anything starts, including the data itself: splits that disagree in scale
        // are refused here, before any compute is spent. The loaded dataset stays cached for the trials.
        string resumeCommand(string search) => $"hypersearch run {specPath} --resume {search}{(runRootOption is null ? "" : $" --run-dir {runRootOption}")}";
        if ((resume ?? id) is { } known)
        {
            // Before the data is loaded: refusing takes no time.
            CheckRunDirectory(new RunDirectory(Path.GetFullPath(Path.Combine(runRoot, known))), known, resume is not null, resumeCommand(known));
        }

        // Allocator settings must precede the dataset's large allocations.
        TorchRuntime.Initialize(threads);
        // Read, parsed and checked once: the run directory keeps this text, and the embedded coordinator's admission
        // finds this very spec already admitted.
        var loaded = SpecLoader.LoadChecked(specPath, dataDirectory, DataChecks.Load);
        var (spec, check) = loaded;
        var warnings = check.Warnings;
        if (check.Data is { } data && !json)
        {
            stdout.WriteLine($"Data: {data}");
        }

        foreach (var warning in warnings)
        {
            stderr.WriteLine($"warning: {warning}");
        }

        var searchId = resume ?? id ?? NewSearchId(spec.Name);
        var runDir = new RunDirectory(Path.GetFullPath(Path.Combine(runRoot, searchId)));
        CheckRunDirectory(runDir, searchId, resume is not null, resumeCommand(searchId));

        Directory.CreateDirectory(runDir.Path);
        using var held = runDir.Lock();
        runDir.Warnings = warnings;
        if (resume is null)
        {
            runDir.WriteSpec(loaded.Text);
        }

        if ((resume is null && request.WarmStart is { } source ? WarmStartImport.Load(source, spec, runRoot) : WarmStartImport.Read(runDir.Path)) is { } warm)
        {
            WarmStartImport.Save(runDir.Path, warm);
            var seeded = spec with { Search = spec.Search with { WarmStart = warm } };
            SpecAdmission.AdmitAlso(spec, seeded);
            spec = seeded;
            if (!json)
            {
                stdout.WriteLine($"Warm start from {warm.Source}: {warm.Trials.Count} trial(s) imported, {warm.Skipped} skipped (space not compatible)");
            }
        }

        using var host = EmbeddedSilo.Build($"run-{searchId}", runDir.CheckpointRoot, slots, threads, dataDirectory, verbose, runDir.StateDirectory);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var search = grains.GetGrain<ISearchGrain>(searchId);

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested)
            {
                return; // second Ctrl-C: let the runtime end the process
            }

            e.Cancel = true;
            cancel.Cancel();
            Console.Error.WriteLine("Cancelling: running trials stop within one batch; results so far are kept…");
            _ = search.CancelAsync();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            if (!json)
            {
                stdout.WriteLine($"Search {searchId}: {spec.Search.Sampler} sampler, {spec.Search.Scheduler} scheduler, up to {spec.Search.MaxTrials} trials, {slots} slot(s); results in {runDir.Path}");
            }

            await StartOrResumeAsync(search, spec, searchId, resume is not null, stdout, json);
            var (status, trials) = await LiveWatch.WatchAsync(grains, searchId, stdout, json, runDir, TimeSpan.FromMilliseconds(500));
            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(SearchSummaryJson.From(status, runDir.Path, warnings), Json.Compact));
            }
            else
            {
                var console = ConsoleFactory.For(stdout);
                ResultPrinter.PrintLeaderboard(console, status, trials);
                ResultPrinter.PrintOutcome(console, status, runDir.Path);
                foreach (var warning in warnings)
                {
                    stdout.WriteLine($"Warning: {warning}");
                }

                ResultCommands.Print(stdout, Diagnostics.SearchDiagnostics.Check(trials, Results.SearchResults.ClassesOf(spec), status.Metric));
            }

            ResultPrinter.PrintFailureDetails(stderr, status, trials);
            if (status.State == SearchState.Cancelled)
            {
                stderr.WriteLine($"Cancelled. Resume with: {resumeCommand(searchId)}");
            }

            return ExitCodes.For(status.State);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            await EmbeddedShutdown.StopAsync(host);
        }
    }

    /// <summary>A new run never overwrites an old one; a resume needs something to resume.</summary>
    private static void CheckRunDirectory(RunDirectory runDir, string searchId, bool resume, string resumeCommand)
    {
        if (!resume && runDir.HoldsARun)
        {
            throw new UsageException($"run directory {runDir.Path} already holds search {searchId}; nothing was overwritten. Resume it with `{resumeCommand}`, or choose another --id");
        }

        if (resume && !runDir.HoldsARun)
        {
            throw new UsageException($"nothing to resume: no run of {searchId} in {runDir.Path}");
        }

        if (resume && !Directory.Exists(runDir.StateDirectory) && File.Exists(Path.Combine(runDir.Path, RunDirectory.TrialsFile)))
        {
            // Results without stored state (an older hypersearch kept it in memory): resuming would start over on top of them.
            throw new UsageException($"{runDir.Path} has results but no stored search state ({RunDirectory.StateFolder}/), so it cannot be resumed; start a new run with another --id");
        }
    }

    private static async Task StartOrResumeAsync(ISearchGrain search, Contracts.Specs.SearchSpec spec, string searchId, bool resume, TextWriter stdout, bool json)
    {
        try
        {
            // For a stored search this only activates it (same spec): its state comes back from the run directory.
            await search.StartAsync(spec);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("different spec", StringComparison.Ordinal))
        {
            throw new UsageException($"search {searchId} was started with a different spec; resume it with the spec in its run directory ({RunDirectory.SpecFile})");
        }

        if (!resume)
        {
            return;
        }

        var reopened = await search.ResumeAsync();
        var trials = await search.GetTrialsAsync();
        if (!json)
        {
            var kept = trials.Count(t => t.State.IsTerminal());
            stdout.WriteLine($"Resuming {searchId}{(reopened ? " (was cancelled)" : "")}: {kept} finished trial(s) kept, {trials.Count(t => !t.State.IsTerminal())} to continue from their checkpoints");
        }
    }

    public static string NewSearchId(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return $"{(slug.Length == 0 ? "search" : slug)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
    }
}
