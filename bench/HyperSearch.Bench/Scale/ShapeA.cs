using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Bench.Scale;

/// <summary>(a) One search, many slots: every slot trains, every trial reports every epoch.</summary>
internal static class ShapeA
{
    public sealed record Sizes(int Silos, int Slots, int Trials, int Epochs, int EpochMilliseconds, int WarmUpWaves = 6);

    public static async Task<Dictionary<string, object>> RunAsync(Sizes sizes, RedisProcess? redis, string label)
    {
        await using var cluster = await ScaleCluster.StartAsync(sizes.Silos, sizes.Slots / sizes.Silos, redis);
        var slots = sizes.Slots / sizes.Silos * sizes.Silos;

        // Warm-up: the same shape, so the measurement sees activated trial grains and optimized code, as a cluster
        // that has run for a while does. After two waves the runtime was still compiling hot methods well into the
        // measured run (13 % of a profile's samples on its tiered-compilation thread).
        var warm = cluster.Grains.GetGrain<ISearchGrain>($"{label}-a-warmup");
        await warm.StartAsync(SleepSearches.Spec("scale-a-warmup", sizes.WarmUpWaves * slots, slots, sizes.Epochs, sizes.EpochMilliseconds));
        await SleepSearches.WaitForEndAsync(warm, TimeSpan.FromMinutes(10));

        cluster.Calls.Clear();
        cluster.Counters.Reset();
        cluster.Writes.Clear();
        var search = cluster.Grains.GetGrain<ISearchGrain>($"{label}-a");
        await search.StartAsync(SleepSearches.Spec("scale-a", sizes.Trials, slots, sizes.Epochs, sizes.EpochMilliseconds));
        var status = await SleepSearches.WaitForEndAsync(search, TimeSpan.FromMinutes(30));
        var trials = await search.GetTrialsAsync();
        var wall = SleepSearches.Makespan(status, trials);

        // A trial cannot start before a slot is free: waves of `slots` trials bound the makespan from below.
        var trialSeconds = sizes.Epochs * sizes.EpochMilliseconds / 1000.0;
        var ideal = Math.Ceiling((double)sizes.Trials / slots) * trialSeconds;
        var fluid = sizes.Trials * trialSeconds / slots;
        var epochs = cluster.Counters.Epochs;
        var result = new Dictionary<string, object>
        {
            ["slots"] = slots,
            ["trials"] = sizes.Trials,
            ["completed"] = status.Count(TrialState.Completed),
            ["trial_seconds"] = trialSeconds,
            ["epoch_ms"] = sizes.EpochMilliseconds,
            ["ideal_seconds"] = Math.Round(ideal, 3),
            ["wall_seconds"] = Math.Round(wall, 3),
            ["overhead_ratio"] = Math.Round(wall / ideal - 1, 4),
            ["overhead_ratio_vs_fluid"] = Math.Round(wall / fluid - 1, 4),
            ["epoch_reports"] = epochs,
            ["epoch_reports_per_s"] = Math.Round(epochs / wall, 1),
            ["completions_per_s"] = Math.Round(sizes.Trials / wall, 1),
            ["coordinator_calls"] = cluster.Calls.Coordinator.Count,
            ["coordinator_p50_ms"] = cluster.Calls.Coordinator.Percentile(50),
            ["coordinator_p99_ms"] = cluster.Calls.Coordinator.Percentile(99),
            ["report_epoch_p99_ms"] = cluster.Calls.Of("coordinator.ReportEpochAsync").Percentile(99),
            ["complete_and_lease_p99_ms"] = cluster.Calls.Of("coordinator.CompleteAndLeaseAsync").Percentile(99),
            ["report_batches"] = cluster.Calls.Inside(nameof(ISearchGrain.ReportEpochsAsync)).Count,
            // The coordinator's turns for reports, heartbeats and completions, as a share of the run and per epoch
            // report: what one coordinator grain costs, apart from the cluster around it sharing the same cores.
            ["coordinator_busy_fraction"] = Math.Round(Busy(cluster) / 1000 / wall, 4),
            ["coordinator_busy_us_per_epoch"] = Math.Round(Busy(cluster) * 1000 / Math.Max(1, epochs), 2),
            ["trainer_decision_wait_p50_ms"] = cluster.Counters.DecisionWait.Percentile(50),
            ["trainer_decision_wait_p99_ms"] = cluster.Counters.DecisionWait.Percentile(99),
        };
        Console.WriteLine($"(a) {label}: {slots} slots, {sizes.Trials} trials of {trialSeconds:0.###} s: wall {wall:0.00} s vs ideal {ideal:0.00} s, overhead {wall / ideal - 1:P1}; " +
                          $"{epochs / wall:0} epoch reports/s; coordinator busy {result["coordinator_busy_fraction"]:P0} of the run; coordinator p50 {result["coordinator_p50_ms"]} ms, p99 {result["coordinator_p99_ms"]} ms");
        return result;
    }

    private static double Busy(ScaleCluster cluster) =>
        new[] { nameof(ISearchGrain.ReportEpochsAsync), nameof(ISearchGrain.HeartbeatAsync), nameof(ISearchGrain.CompleteAndLeaseAsync) }
            .Sum(m => cluster.Calls.Inside(m).TotalMilliseconds);
}
