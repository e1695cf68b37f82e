using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Bench.Scale;

/// <summary>(b) Many searches at once on fewer slots than they ask for: does each get its fair share?</summary>
internal static class ShapeB
{
    public sealed record Sizes(int Silos, int Slots, int Searches, int TrialsPerSearch, int Epochs, int EpochMilliseconds);

    /// <summary>max_concurrent of search i: 1, 2, 4, 8, 1, 2, ... so caps, not only slots, decide the fair shares.</summary>
    public static int CapOf(int search) => 1 << (search % 4);

    public static async Task<Dictionary<string, object>> RunAsync(Sizes sizes, RedisProcess? redis, string label)
    {
        await using var cluster = await ScaleCluster.StartAsync(sizes.Silos, sizes.Slots / sizes.Silos, redis);
        var slots = sizes.Slots / sizes.Silos * sizes.Silos;

        var warm = cluster.Grains.GetGrain<ISearchGrain>($"{label}-b-warmup");
        await warm.StartAsync(SleepSearches.Spec("scale-b-warmup", 2 * slots, slots, sizes.Epochs, sizes.EpochMilliseconds));
        await SleepSearches.WaitForEndAsync(warm, TimeSpan.FromMinutes(10));
        cluster.Calls.Clear();
        cluster.Writes.Clear();

        var searches = Enumerable.Range(0, sizes.Searches).Select(i => cluster.Grains.GetGrain<ISearchGrain>($"{label}-b-{i:000}")).ToList();
        var startCalls = new LatencyLog();
        cluster.Calls.Trace = Environment.GetEnvironmentVariable("HYPERSEARCH_SCALE_TRACE") is { Length: > 0 } traceFile ? new() : null;
        await Task.WhenAll(searches.Select(async (s, i) =>
        {
            var asked = System.Diagnostics.Stopwatch.GetTimestamp();
            await s.StartAsync(SleepSearches.Spec($"scale-b-{i:000}", sizes.TrialsPerSearch, CapOf(i), sizes.Epochs, sizes.EpochMilliseconds));
            startCalls.Add(System.Diagnostics.Stopwatch.GetElapsedTime(asked));
        }));
        var statuses = new List<SearchStatus>();
        var tables = new List<IReadOnlyList<TrialRecord>>();
        foreach (var search in searches)
        {
            statuses.Add(await SleepSearches.WaitForEndAsync(search, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(2)));
            tables.Add(await search.GetTrialsAsync());
        }

        var fairness = Fairness.Measure(statuses, tables, [.. Enumerable.Range(0, sizes.Searches).Select(CapOf)], slots);
        var wall = (tables.SelectMany(t => t).Max(t => t.EndedAt)!.Value - statuses.Min(s => s.StartedAt)).TotalSeconds;
        var result = new Dictionary<string, object>
        {
            ["slots"] = slots,
            ["searches"] = sizes.Searches,
            ["trials_per_search"] = sizes.TrialsPerSearch,
            ["trial_seconds"] = sizes.Epochs * sizes.EpochMilliseconds / 1000.0,
            ["completed"] = statuses.Sum(s => s.Count(TrialState.Completed)),
            ["wall_seconds"] = Math.Round(wall, 3),
            ["contended_seconds"] = Math.Round(fairness.WindowSeconds, 3),
            ["min_fair_share_ratio"] = Math.Round(fairness.MinRatio, 3),
            ["worst_search_cap"] = fairness.WorstCap,
            ["searches_under_80pct"] = fairness.Under80,
            ["fair_level_slots"] = Math.Round(fairness.Level, 3),
            ["slot_utilization"] = Math.Round(fairness.Utilization, 3),
            ["registry_set_work_p99_ms"] = cluster.Calls.Of("registry.SetWorkAvailableAsync").Percentile(99),
            ["registry_register_p99_ms"] = cluster.Calls.Of("registry.RegisterAsync").Percentile(99),
            ["lease_p50_ms"] = cluster.Calls.Of("coordinator.LeaseAsync").Percentile(50),
            ["lease_p99_ms"] = cluster.Calls.Of("coordinator.LeaseAsync").Percentile(99),
            ["start_call_p50_ms"] = startCalls.Percentile(50),
            ["start_call_max_ms"] = startCalls.Percentile(100),
            ["leases_asked"] = cluster.Calls.Of("coordinator.LeaseAsync").Count,
            ["leases_denied"] = cluster.Calls.Of("coordinator.LeaseAsync.denied").Count,
            ["lease_denied_p50_ms"] = cluster.Calls.Of("coordinator.LeaseAsync.denied").Percentile(50),
            ["complete_and_lease_p99_ms"] = cluster.Calls.Of("coordinator.CompleteAndLeaseAsync").Percentile(99),
            ["coordinator_p99_ms"] = cluster.Calls.Coordinator.Percentile(99),
        };
        foreach (var line in fairness.Worst)
        {
            Console.WriteLine($"    worst: {line}");
        }

        if (cluster.Calls.Trace is { } trace)
        {
            await File.WriteAllLinesAsync(Environment.GetEnvironmentVariable("HYPERSEARCH_SCALE_TRACE")!, trace);
            cluster.Calls.Trace = null;
        }

        Console.WriteLine($"(b) {label}: {sizes.Searches} searches × {sizes.TrialsPerSearch} trials on {slots} slots: fair level {fairness.Level:0.00} slots, " +
                          $"worst search {fairness.MinRatio:P0} of its fair share (cap {fairness.WorstCap}), {fairness.Under80} under 80%, utilization {fairness.Utilization:P0}; " +
                          $"lease p99 {result["lease_p99_ms"]} ms, registry SetWork p99 {result["registry_set_work_p99_ms"]} ms");
        return result;
    }
}

/// <summary>Each search's slot-time against its max-min fair share, over the window where every search still had
/// trials to start (from the last search's start to the first time some search leased its last trial).</summary>
internal sealed record Fairness(double WindowSeconds, double Level, double MinRatio, int WorstCap, int Under80, double Utilization, IReadOnlyList<string> Worst)
{
    public static Fairness Measure(IReadOnlyList<SearchStatus> statuses, IReadOnlyList<IReadOnlyList<TrialRecord>> tables, IReadOnlyList<int> caps, int slots)
    {
        var from = statuses.Max(s => s.StartedAt);
        var to = tables.Min(t => t.Max(r => r.StartedAt)!.Value);
        var window = (to - from).TotalSeconds;
        if (window <= 0)
        {
            throw new InvalidOperationException($"no contended window: the last search started at {from:O}, one search leased its last trial at {to:O}");
        }

        var level = WaterLevel(caps, slots);
        var ratios = new double[tables.Count];
        var used = 0.0;
        for (var i = 0; i < tables.Count; i++)
        {
            var slotSeconds = tables[i].Sum(t => Overlap(t.StartedAt, t.EndedAt, from, to));
            used += slotSeconds;
            ratios[i] = slotSeconds / window / Math.Min(caps[i], level);
        }

        var worst = Array.IndexOf(ratios, ratios.Min());
        var lowest = ratios.Select((r, i) => (r, i)).OrderBy(p => p.r).Take(5)
            .Select(p => $"{statuses[p.i].SearchId} (max_concurrent {caps[p.i]}): {p.r:P0} of its fair share, started at {(statuses[p.i].StartedAt - from).TotalSeconds:+0.00;-0.00} s, first trial at +{(tables[p.i].Min(t => t.StartedAt)!.Value - from).TotalSeconds:0.00} s")
            .ToList();
        return new Fairness(window, level, ratios[worst], caps[worst], ratios.Count(r => r < 0.8), used / window / slots, lowest);
    }

    /// <summary>Max-min fairness with caps: the level L where Σ min(cap, L) = slots (every cap when they fit).</summary>
    public static double WaterLevel(IReadOnlyList<int> caps, int slots)
    {
        if (caps.Sum() <= slots)
        {
            return caps.Max();
        }

        double low = 0, high = caps.Max();
        for (var i = 0; i < 60; i++)
        {
            var mid = (low + high) / 2;
            (caps.Sum(c => Math.Min(c, mid)) > slots ? ref high : ref low) = mid;
        }

        return low;
    }

    private static double Overlap(DateTimeOffset? start, DateTimeOffset? end, DateTimeOffset from, DateTimeOffset to)
    {
        if (start is not { } s || end is not { } e)
        {
            return 0;
        }

        var overlap = (Min(e, to) - Max(s, from)).TotalSeconds;
        return Math.Max(0, overlap);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
