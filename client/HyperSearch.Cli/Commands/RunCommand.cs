using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Specs;
using HyperSearch.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch run SPEC`: an in-process silo (no services), one search to completion, results on disk.</summary>
internal static class RunCommand
{
    public const string Usage = "hypersearch run SPEC [--json] [--run-dir DIR] [--id ID] [--slots N] [--threads N] [--data-dir DIR] [--verbose]";

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout)
    {
        var specPath = args.Positional(1, "SPEC (a YAML or JSON search spec)");
        var json = args.Flag("json");
        var verbose = args.Flag("verbose");
        var runRoot = args.Option("run-dir") ?? "runs";
        var slots = args.IntOption("slots") ?? 1;
        var threads = args.IntOption("threads");
        var dataDirectory = args.Option("data-dir");
        var id = args.Option("id");
        args.RejectUnknown();

        // Validate completely before anything starts, including the data itself: splits that disagree in scale
        // are refused here, before any compute is spent. The loaded dataset stays cached for the trials.
        var spec = SpecLoader.Load(specPath, dataDirectory);
        if (!spec.Trainer.IsCommand)
        {
            TorchRuntime.Initialize(threads);
            SpecLoader.Preflight(spec, specPath, dataDirectory);
        }

        var searchId = id ?? NewSearchId(spec.Name);
        var runDir = RunDirectory.Create(runRoot, searchId);
        runDir.WriteSpec(File.ReadAllText(specPath));

        using var host = EmbeddedSilo.Build($"run-{searchId}", runDir.CheckpointRoot, slots, threads, dataDirectory, verbose);
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

            await search.StartAsync(spec);
            var (status, trials) = await LiveWatch.WatchAsync(grains, searchId, stdout, json, runDir, TimeSpan.FromMilliseconds(500));

            if (json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(SearchSummaryJson.From(status, runDir.Path), Json.Compact));
            }
            else
            {
                var console = ConsoleFactory.For(stdout);
                ResultPrinter.PrintLeaderboard(console, status, trials);
                ResultPrinter.PrintOutcome(console, status, runDir.Path);
                ResultCommands.Print(stdout, Diagnostics.SearchDiagnostics.Check(trials, Results.SearchResults.ClassesOf(spec)));
            }

            return status.State == SearchState.Completed ? 0 : ExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            // One in-process silo has no one to hand anything to: a short stop is enough.
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(stopping.Token);
        }
    }

    public static string NewSearchId(string name)
    {
        var slug = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return $"{(slug.Length == 0 ? "search" : slug)}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
    }
}
