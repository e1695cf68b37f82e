using System.Diagnostics;
using System.Runtime;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Bench.Scale;

/// <summary>(a) One search, many slots: every slot trains, every trial reports every epoch.</summary>
internal static class ShapeA
{
    public sealed record Sizes(int Silos, int Slots, int Trials, int Epochs, int EpochMilliseconds, int MaxWarmUpRounds = 12);

    public static async Task<Dictionary<string, object>> RunAsync(Sizes sizes, RedisProcess? redis, string label)
    {
        await using var cluster = await ScaleCluster.StartAsync(sizes.Silos, sizes.Slots / sizes.Silos, redis);
        var slots = sizes.Slots / sizes.Silos * sizes.Silos;

        var warmUp = await WarmUpAsync(cluster, sizes, slots, label);
        // The warm-up's garbage is collected before the clock starts, not by the measured run's first collections: a
        // gen-1 collection of 77 ms 19 ms into one run was the warm-up's, and it held the whole first wave.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        cluster.Calls.Clear();
        cluster.Counters.Reset();
        cluster.Writes.Clear();
        using var sampler = Environment.GetEnvironmentVariable("HYPERSEARCH_SCALE_ALLOCATIONS") == "1" ? new AllocationSampler() : null;
        sampler?.Record(true);
        await using var stalls = new StallProbe();
        using var collections = new GcPauseLog();
        collections.Record(true);
        var cost = ProcessCost.Start();
        var compilingBefore = JitInfo.GetCompilationTime();
        var membershipBefore = cluster.MembershipVersion;
        var search = cluster.Grains.GetGrain<ISearchGrain>($"{label}-a");
        await search.StartAsync(SleepSearches.Spec("scale-a", sizes.Trials, slots, sizes.Epochs, sizes.EpochMilliseconds));
        var status = await SleepSearches.WaitForEndAsync(search, TimeSpan.FromMinutes(30));
        var trials = await search.GetTrialsAsync();
        var wall = SleepSearches.Makespan(status, trials);
        var spent = cost.Stop();
        collections.Record(false);
        var compiling = JitInfo.GetCompilationTime() - compilingBefore;
        // A trial's time from its lease to its outcome beyond its epochs.
        var ended = trials.Where(t => t is { StartedAt: not null, EndedAt: not null }).ToList();
        double Extra(TrialRecord t) => (t.EndedAt!.Value - t.StartedAt!.Value).TotalMilliseconds - sizes.Epochs * sizes.EpochMilliseconds;
        var extras = Log(ended.Select(Extra));
        sampler?.Record(false);
        foreach (var (type, bytes) in sampler?.Top(25) ?? [])
        {
            Console.WriteLine($"    allocated {bytes / 1e6,10:0.0} MB  {type}");
        }

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
            // Where the makespan goes: until the first lease, and each trial's lease-to-outcome time beyond its epochs
            // (handing out the work, starting it, reporting the outcome; the next lease comes with that answer).
            ["first_lease_seconds"] = Math.Round((trials.Min(t => t.StartedAt)!.Value - status.StartedAt).TotalSeconds, 3),
            ["trial_extra_ms_mean"] = Math.Round(extras.TotalMilliseconds / Math.Max(1, extras.Count), 1),
            ["trial_extra_ms_p50"] = Math.Round(extras.Percentile(50), 1),
            ["trial_extra_ms_p99"] = Math.Round(extras.Percentile(99), 1),
            // By wave (trials in the order they started, `slots` at a time): where the makespan's overhead came from.
            ["trial_extra_ms_mean_by_wave"] = ended.OrderBy(t => t.StartedAt).Chunk(slots).Select(wave => Math.Round(wave.Average(Extra), 1)).ToArray(),
            // The extra split: lease to the trainer's start, the trainer beyond its epochs, its end to the outcome's arrival.
            ["lease_to_trainer_ms_p50_p99"] = Split(trials, cluster, $"{label}-a", (t, times) => (times.Started - t.StartedAt!.Value).TotalMilliseconds),
            ["trainer_extra_ms_p50_p99"] = Split(trials, cluster, $"{label}-a", (_, times) => (times.Ended - times.Started).TotalMilliseconds - sizes.Epochs * sizes.EpochMilliseconds),
            ["trainer_to_outcome_ms_p50_p99"] = Split(trials, cluster, $"{label}-a", (t, times) => (t.EndedAt!.Value - times.Ended).TotalMilliseconds),
            ["complete_and_lease_p50_ms"] = cluster.Calls.Of("coordinator.CompleteAndLeaseAsync").Percentile(50),
            ["complete_and_lease_inside_us_mean"] = MeanMicroseconds(cluster.Calls.Inside(nameof(ISearchGrain.CompleteAndLeaseAsync))),
            ["report_batch_inside_us_mean"] = MeanMicroseconds(cluster.Calls.Inside(nameof(ISearchGrain.ReportEpochsAsync))),
            // The whole process (16 silos, their trainers, the client): what one epoch report costs all in.
            ["cpu_us_per_epoch"] = Math.Round(spent.CpuSeconds * 1e6 / Math.Max(1, epochs), 1),
            ["cpu_utilization"] = Math.Round(spent.CpuSeconds / spent.WallSeconds / Environment.ProcessorCount, 3),
            ["allocated_bytes_per_epoch"] = spent.AllocatedBytes / Math.Max(1, epochs),
            ["gc_collections"] = spent.Collections,
            // Storage writes by record ("search" = snapshot, "search-journal" = journal): [count, mean ms].
            ["storage_writes"] = cluster.Writes.ToDictionary(w => w.Key, w => new[] { w.Value.Count, Math.Round(w.Value.TotalMilliseconds / Math.Max(1, w.Value.Count), 2) }),
            // Membership changes during the run (suspicions of silos that missed their probes, for one).
            ["membership_changes"] = cluster.MembershipVersion - membershipBefore,
            // The runtime still compiling hot code competes with the silos for the same cores.
            ["warmup_waves"] = warmUp.Waves,
            ["warmup_jit_ms_last_round"] = Math.Round(warmUp.LastRoundCompiling.TotalMilliseconds),
            ["jit_ms_during_run"] = Math.Round(compiling.TotalMilliseconds),
            ["gc_pause_ms"] = Math.Round(spent.GcPauseMilliseconds, 1),
            // By generation: [count, pause ms, longest ms, mean MB promoted, mean heap MB after]; and what started them.
            ["gc_pauses"] = collections.Figures(),
            // Each collection: when it began after the search started (ms), its generation and its pause (ms).
            ["gc_timeline"] = collections.Collections
                .Select(c => $"{(c.Started.ToUniversalTime() - status.StartedAt.UtcDateTime).TotalMilliseconds:0}:g{c.Generation}:{c.PauseMilliseconds:0}")
                .ToArray(),
            ["stall_ms_thread_p99_max_pool_p99_max"] = stalls.Figures(),
        };
        Console.WriteLine($"(a) {label}: {slots} slots, {sizes.Trials} trials of {trialSeconds:0.###} s: wall {wall:0.00} s vs ideal {ideal:0.00} s, overhead {wall / ideal - 1:P1}; " +
                          $"{epochs / wall:0} epoch reports/s; coordinator busy {result["coordinator_busy_fraction"]:P0} of the run; coordinator p50 {result["coordinator_p50_ms"]} ms, p99 {result["coordinator_p99_ms"]} ms");
        return result;
    }

    /// <summary>Runs the same shape in rounds of two waves until the runtime has compiled its hot code: until a round
    /// spends under 5 % of its time in the JIT, or <see cref="Sizes.MaxWarmUpRounds"/>. The measurement then sees
    /// activated grains and optimized code, as a cluster that has run for a while does. The tiered JIT takes its time:
    /// after six waves it still compiled for 1.4-2.0 s in every 2.2 s round, 20 % of the two cores in a profile of the
    /// measured run; it went quiet (about 100 ms a round) only after twelve.</summary>
    private static async Task<(int Waves, TimeSpan LastRoundCompiling)> WarmUpAsync(ScaleCluster cluster, Sizes sizes, int slots, string label)
    {
        var compiling = TimeSpan.Zero;
        var round = 0;
        while (round < sizes.MaxWarmUpRounds)
        {
            var compiledBefore = JitInfo.GetCompilationTime();
            var started = Stopwatch.GetTimestamp();
            var warm = cluster.Grains.GetGrain<ISearchGrain>($"{label}-a-warmup-{round++}");
            await warm.StartAsync(SleepSearches.Spec("scale-a-warmup", 2 * slots, slots, sizes.Epochs, sizes.EpochMilliseconds));
            await SleepSearches.WaitForEndAsync(warm, TimeSpan.FromMinutes(10));
            compiling = JitInfo.GetCompilationTime() - compiledBefore;
            if (compiling < 0.05 * Stopwatch.GetElapsedTime(started))
            {
                break;
            }
        }

        Console.WriteLine($"    (a) {label}: warmed up with {2 * round} waves; the last round spent {compiling.TotalMilliseconds:0} ms compiling");
        return (2 * round, compiling);
    }

    private static double[] Split(IReadOnlyList<TrialRecord> trials, ScaleCluster cluster, string searchId, Func<TrialRecord, (DateTimeOffset Started, DateTimeOffset Ended), double> part)
    {
        var values = Log(trials
            .Where(t => t is { StartedAt: not null, EndedAt: not null })
            .Select(t => cluster.Counters.TrainerTimes.TryGetValue((searchId, t.Number), out var times) && times.Started != default && times.Ended != default ? part(t, times) : double.NaN)
            .Where(double.IsFinite));
        return [Math.Round(values.Percentile(50), 1), Math.Round(values.Percentile(99), 1)];
    }

    private static double MeanMicroseconds(LatencyLog log) => log.Count == 0 ? 0 : Math.Round(log.TotalMilliseconds * 1000 / log.Count, 1);

    private static LatencyLog Log(IEnumerable<double> milliseconds)
    {
        var log = new LatencyLog();
        foreach (var value in milliseconds)
        {
            log.Add(TimeSpan.FromMilliseconds(value));
        }

        return log;
    }

    private static double Busy(ScaleCluster cluster) =>
        new[] { nameof(ISearchGrain.ReportEpochsAsync), nameof(ISearchGrain.HeartbeatAsync), nameof(ISearchGrain.CompleteAndLeaseAsync) }
            .Sum(m => cluster.Calls.Inside(m).TotalMilliseconds);
}
