using System.Diagnostics;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Persistence;
using HyperSearch.Grains.Search;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace HyperSearch.Bench.Scale;

/// <summary>(c) A search with a long history: its coordinator's memory per trial, what its writes cost, and how long
/// it takes to answer again after its silo is killed.</summary>
internal static class ShapeC
{
    public sealed record Sizes(int Silos, int Slots, int Finished, int More, int Epochs, int EpochMilliseconds);

    private const int Parameters = 8;

    public static async Task<Dictionary<string, object>> RunAsync(Sizes sizes, RedisProcess? redis, string label)
    {
        await using var cluster = await ScaleCluster.StartAsync(sizes.Silos, sizes.Slots / sizes.Silos, redis);
        var slots = sizes.Slots / sizes.Silos * sizes.Silos;
        var serializer = cluster.Cluster.Silos[0].SiloHost.Services.GetRequiredService<Serializer>();
        var id = $"{label}-c";
        var search = cluster.Grains.GetGrain<ISearchGrain>(id);
        var spec = SleepSearches.Spec("scale-c", sizes.Finished + sizes.More, slots, sizes.Epochs, sizes.EpochMilliseconds, Parameters);
        var header = () => new SearchGrainState
        {
            Spec = spec,
            Generation = 1,
            StartedAt = DateTimeOffset.UtcNow,
            State = SearchState.Running,
            CheckpointRoot = Path.Combine(cluster.Checkpoints, id),
        };

        // The coordinator's memory: its live table, its indexes and the store's cache of encoded finished trials.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var measured = new SearchStateStore(new StorageState<SearchGrainState>(null, "search", search.GetGrainId()), new StorageState<SearchJournal>(null, "search-journal", search.GetGrainId()), serializer);
        var state = header();
        state.Trials = FinishedTrials(sizes.Finished, sizes.Epochs);
        measured.Reset(state);
        await measured.WriteAsync();
        var coordinator = new SearchCoordinator(id, state, DateTimeOffset.UtcNow);
        var bytesPerTrial = (GC.GetTotalMemory(forceFullCollection: true) - before) / (double)sizes.Finished;
        GC.KeepAlive(coordinator);
        GC.KeepAlive(measured);
        coordinator = null;
        measured = null;
        state = null;

        // Seed the records the coordinator will load, through the cluster's own storage.
        var seed = new SearchStateStore(new StorageState<SearchGrainState>(cluster.Storage, "search", search.GetGrainId()), new StorageState<SearchJournal>(cluster.Storage, "search-journal", search.GetGrainId()), serializer);
        var seeded = header();
        seeded.Trials = FinishedTrials(sizes.Finished, sizes.Epochs);
        seed.Reset(seeded);
        var clock = Stopwatch.StartNew();
        await seed.WriteAsync();
        var seedSnapshotMs = clock.Elapsed.TotalMilliseconds;
        seed = null;
        seeded = null;
        cluster.Writes.Clear();

        clock.Restart();
        var first = await search.GetStatusAsync();
        var activationMs = clock.Elapsed.TotalMilliseconds;
        if (first.Count(TrialState.Completed) != sizes.Finished)
        {
            throw new InvalidOperationException($"seeded {sizes.Finished} finished trials, the coordinator loaded {first.Count(TrialState.Completed)}");
        }

        await cluster.Grains.GetGrain<ISearchRegistryGrain>(0).RegisterAsync(new SearchSummary(id, spec.Name, SearchState.Running, first.StartedAt));

        // Kill the coordinator's silo a quarter of the way through the new trials.
        var status = first;
        while ((status = await search.GetStatusAsync()).Count(TrialState.Completed) < sizes.Finished + sizes.More / 4)
        {
            await Task.Delay(100);
        }

        var host = await cluster.HostOfAsync(search.GetGrainId()) ?? throw new InvalidOperationException($"search {id} has no activation");
        var hostWasPrimary = host == cluster.Cluster.Silos[0];
        clock.Restart();
        await cluster.Cluster.KillSiloAsync(host);
        var answer = await AnswerAsync(search, TimeSpan.FromMinutes(3));
        var recovery = clock.Elapsed.TotalSeconds;
        while ((await search.GetStatusAsync()).Count(TrialState.Completed) <= answer.Count(TrialState.Completed))
        {
            await Task.Delay(50);
        }

        var progress = clock.Elapsed.TotalSeconds;
        var final = await SleepSearches.WaitForEndAsync(search, TimeSpan.FromMinutes(10));
        var trials = await search.GetTrialsAsync();
        var lost = sizes.Finished + sizes.More - trials.Count(t => t.State == TrialState.Completed);

        var snapshots = cluster.Writes.GetValueOrDefault("search") ?? new LatencyLog();
        var journals = cluster.Writes.GetValueOrDefault("search-journal") ?? new LatencyLog();
        var result = new Dictionary<string, object>
        {
            ["slots"] = slots,
            ["finished_trials"] = sizes.Finished,
            ["more_trials"] = sizes.More,
            ["coordinator_bytes_per_trial"] = Math.Round(bytesPerTrial),
            ["seed_snapshot_ms"] = Math.Round(seedSnapshotMs, 1),
            ["activation_ms"] = Math.Round(activationMs, 1),
            ["snapshot_writes"] = snapshots.Count,
            ["snapshot_write_p50_ms"] = snapshots.Percentile(50),
            ["snapshot_write_max_ms"] = snapshots.Percentile(100),
            ["journal_writes"] = journals.Count,
            ["journal_write_p50_ms"] = journals.Percentile(50),
            ["journal_write_p99_ms"] = journals.Percentile(99),
            ["killed_primary_silo"] = hostWasPrimary,
            ["recovery_seconds"] = Math.Round(recovery, 3),
            ["progress_resumed_seconds"] = Math.Round(progress, 3),
            ["final_state"] = final.State.ToString(),
            ["lost_trials"] = lost,
            ["coordinator_p99_ms"] = cluster.Calls.Coordinator.Percentile(99),
        };
        Console.WriteLine($"(c) {label}: {sizes.Finished} finished trials: {bytesPerTrial:0} B per trial in the coordinator; activation {activationMs:0} ms; " +
                          $"snapshot write p50 {snapshots.Percentile(50)} ms (max {snapshots.Percentile(100)}, {snapshots.Count} written), journal p50 {journals.Percentile(50)} ms p99 {journals.Percentile(99)} ms; " +
                          $"answers {recovery:0.0} s after its silo was killed, trials complete again after {progress:0.0} s; {lost} lost");
        return result;
    }

    /// <summary>Asks until the coordinator answers (a call to a dead silo hangs until the silo is declared dead).</summary>
    private static async Task<SearchStatus> AnswerAsync(ISearchGrain search, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await search.GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Completed trials shaped like a CNN search's: eight parameters, every epoch's four metrics.</summary>
    private static List<TrialEntry> FinishedTrials(int count, int epochs)
    {
        var random = new Random(17);
        var started = DateTimeOffset.UtcNow.AddHours(-1);
        return [.. Enumerable.Range(0, count).Select(n => new TrialEntry
        {
            Number = n,
            Parameters = Enumerable.Range(0, Parameters).ToDictionary(i => i == 0 ? "x" : $"p{i}", _ => (object)random.NextDouble(), StringComparer.Ordinal),
            State = TrialState.Completed,
            Attempt = 1,
            LeaseToken = 10_001,
            Worker = $"slot-{n % 64}",
            StartedAt = started,
            EndedAt = started.AddSeconds(1),
            ParameterCount = 100_000 + n,
            Epochs = [.. Enumerable.Range(1, epochs).Select(e => new EpochMetrics(e, new Dictionary<string, double>
            {
                [EpochMetrics.TrainLoss] = random.NextDouble(),
                [EpochMetrics.TrainAccuracy] = random.NextDouble(),
                [EpochMetrics.ValLoss] = random.NextDouble(),
                [EpochMetrics.ValAccuracy] = random.NextDouble(),
            }))],
        })];
    }
}
