using System.Diagnostics;
using System.Text.Json;
using HyperSearch.Bench.SchedulerOverhead;
using HyperSearch.Bench.Training;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace HyperSearch.Bench;

/// <summary>How much the coordinator, slots and grain calls add to trials that only sleep: 2,000 trials of 50 ms on
/// 32 slots over 2 silos of an in-process cluster; ideal = trials × sleep / slots.</summary>
internal static class SchedulerOverheadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var trials = options.Int("trials", 2000);
        var slotsPerSilo = options.Int("slots-per-silo", 16);
        var silos = options.Int("silos", 2);
        var sleep = TimeSpan.FromMilliseconds(options.Int("sleep-ms", 50));
        var warmupTrials = options.Int("warmup-trials", 1000);
        var slots = slotsPerSilo * silos;

        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSearchMemoryStorage();
            silo.AddHyperSearch(s => s.Slots = slotsPerSilo);
            silo.Services.AddSingleton<ITrialRunner>(new SleepRunner(sleep));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var spec = new SearchSpec(
            "scheduler-overhead",
            new DatasetSpec("none", null, 0.1, null, null, 0),
            new SearchSettings("random", new Dictionary<string, object>(), "none", new Dictionary<string, object>(), trials, slots, null, "val_accuracy", true, null, 0, 1),
            new Dictionary<string, object> { ["epochs"] = 1L },
            [new ParameterSpec("x", ParameterKind.Uniform, null, 0, 1, false)],
            TrainerSpec.BuiltIn);

        // Warm up until the JIT has promoted the hot paths to optimized code: a short warm-up measured tier-0 and
        // PGO-instrumented code, with the JIT's background compiler taking a third of the CPU. The measurement is the
        // steady state of a long-running silo.
        for (var round = 1; round <= 10; round++)
        {
            var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
            await RunSearchAsync(cluster, $"warmup-{round}", spec with { Search = spec.Search with { MaxTrials = Math.Max(warmupTrials, slots) } });
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - compiledBefore;
            Console.WriteLine($"warm-up {round}: {warmupTrials} trials, {compiled} methods compiled");
            if (compiled < 100)
            {
                break;
            }
        }

        var sleeper = SleepRunner.Stats;
        sleeper.Reset();
        var (wall, clientWall, status) = await RunSearchAsync(cluster, "measured", spec);

        var ideal = trials * sleep.TotalSeconds / slots;
        var overhead = wall / ideal - 1;
        Console.WriteLine($"{"trials",-10}{"slots",-8}{"sleep",-10}{"ideal s",-10}{"wall s",-10}{"overhead",-10}");
        Console.WriteLine($"{trials,-10}{slots,-8}{sleep.TotalMilliseconds + " ms",-10}{ideal,-10:0.000}{wall,-10:0.000}{overhead,-10:P1}");
        Console.WriteLine($"completed {status.Count(TrialState.Completed)} of {trials}; target overhead_ratio ≤ 0.05");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["trials"] = status.Count(TrialState.Completed),
            ["slots"] = slots,
            ["sleep_ms"] = sleep.TotalMilliseconds,
            ["ideal_seconds"] = Math.Round(ideal, 4),
            ["wall_seconds"] = Math.Round(wall, 4),
            ["client_wall_seconds"] = Math.Round(clientWall, 4),
            ["overhead_ratio"] = Math.Round(overhead, 4),
            // What the trainer itself took per trial: the OS wakes a sleeping thread a little late, which counts as overhead.
            ["mean_sleep_ms"] = Math.Round(sleeper.MeanMilliseconds, 3),
        }));
        return status.Count(TrialState.Completed) == trials ? 0 : 1;
    }

    /// <summary>Runs a search to its end. Wall time is the coordinator's own record, from the search's start to the
    /// end of its last trial (the winner's test evaluation is not scheduling work), so the client's polling neither
    /// loads the coordinator nor blurs the figure; the client's stopwatch is returned alongside.</summary>
    private static async Task<(double Wall, double ClientWall, SearchStatus Status)> RunSearchAsync(InProcessTestCluster cluster, string id, SearchSpec spec)
    {
        var search = cluster.Client.GetGrain<ISearchGrain>(id);
        var clock = Stopwatch.StartNew();
        await search.StartAsync(spec);
        SearchStatus status;
        while ((status = await search.GetStatusAsync()).State == SearchState.Running)
        {
            await Task.Delay(50);
        }

        var clientWall = clock.Elapsed.TotalSeconds;
        var trials = await search.GetTrialsAsync();
        var lastEnd = trials.Max(t => t.EndedAt) ?? throw new InvalidOperationException($"search {id}: no trial ended");
        return ((lastEnd - status.StartedAt).TotalSeconds, clientWall, status);
    }
}
