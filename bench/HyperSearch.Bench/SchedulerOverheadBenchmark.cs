using System.Diagnostics;
using System.Text.Json;
using HyperSearch.Bench.SchedulerOverhead;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

using HyperSearch.Bench.Training;

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
        var slots = slotsPerSilo * silos;

        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Searches);
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

        // Warm up activations and code paths so the measurement is the steady state, then measure.
        await RunSearchAsync(cluster, "warmup", spec with { Search = spec.Search with { MaxTrials = slots * 2 } });
        var (wall, status) = await RunSearchAsync(cluster, "measured", spec);

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
            ["overhead_ratio"] = Math.Round(overhead, 4),
        }));
        return status.Count(TrialState.Completed) == trials ? 0 : 1;
    }

    private static async Task<(double Wall, SearchStatus Status)> RunSearchAsync(InProcessTestCluster cluster, string id, SearchSpec spec)
    {
        var search = cluster.Client.GetGrain<ISearchGrain>(id);
        var clock = Stopwatch.StartNew();
        await search.StartAsync(spec);
        SearchStatus status;
        double lastTrialEnd;
        while (true)
        {
            status = await search.GetStatusAsync();
            if (status.State != SearchState.Running)
            {
                lastTrialEnd = clock.Elapsed.TotalSeconds;
                break;
            }

            await Task.Delay(5);
        }

        // The measured span is start → every trial ended (the winner's test evaluation is not scheduling work).
        return (status.EndedAt is { } end && status.State.IsFinished() ? Math.Min(lastTrialEnd, (end - status.StartedAt).TotalSeconds) : lastTrialEnd, status);
    }
}
