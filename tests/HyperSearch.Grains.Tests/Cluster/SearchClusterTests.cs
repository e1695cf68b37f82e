using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Registry;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Trials;
using Orleans.TestingHost;

namespace HyperSearch.Grains.Tests.Cluster;

[Collection(MachineCollection.Name)]
public sealed class SearchClusterTests
{
    private static async Task<SearchStatus> WaitForEndAsync(ISearchGrain search, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await search.GetStatusAsync();
            if (status.State.IsFinished())
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"search did not finish in {timeout}: {status.State}, {string.Join(", ", status.TrialsByState)}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Only_the_training_silo_runs_trials_and_concurrency_never_exceeds_its_slots()
    {
        var log = new FakeRunLog();
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromMilliseconds(40), [2, 0]);
        var trainingSilo = cluster.Silos[0].Name;
        var search = cluster.Client.GetGrain<ISearchGrain>("two-silos");

        // max_concurrent (4) is above the cluster's 2 free slots: slots are the binding limit.
        await search.StartAsync(TestSpecs.Make(maxTrials: 8, maxConcurrent: 4));
        var status = await WaitForEndAsync(search, TimeSpan.FromSeconds(60));

        Assert.Equal(SearchState.Completed, status.State);
        Assert.Equal(8, status.Count(TrialState.Completed));
        Assert.All(log.Runs, r => Assert.Equal(trainingSilo, r.Silo));
        Assert.InRange(log.Peak, 1, 2);
        Assert.NotNull(status.Test);
        Assert.Single(log.Runs, r => r.Kind == WorkKind.EvaluateTest);

        var trials = await search.GetTrialsAsync();
        Assert.Equal(8, trials.Select(t => t.Number).Distinct().Count());
        Assert.All(trials, t => Assert.Equal(3, t.Epochs.Count));
    }

    [Fact]
    public async Task Every_slot_grain_is_active_on_its_own_silo_before_any_work()
    {
        // An idle slot's first activation would otherwise need the grain directory at the moment of its first lease,
        // when the directory partition's silo may be paused.
        var log = new FakeRunLog();
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromMilliseconds(40), [2, 3, 0]);
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var expected = new[] { (cluster.Silos[0].SiloAddress, 2), (cluster.Silos[1].SiloAddress, 3) };
        await WaitUntilAsync(async () =>
        {
            var slots = (await management.GetDetailedGrainStatistics())
                .Where(s => s.GrainType.Contains(nameof(TrainingSlotGrain), StringComparison.Ordinal))
                .GroupBy(s => s.SiloAddress)
                .Select(g => (g.Key, g.Count()))
                .OrderBy(g => g.Key.ToString(), StringComparer.Ordinal);
            return slots.SequenceEqual(expected.OrderBy(e => e.SiloAddress.ToString(), StringComparer.Ordinal));
        }, TimeSpan.FromSeconds(30), "2 slot grains on silo 0 and 3 on silo 1, none elsewhere");
        Assert.Empty(log.Runs);
    }

    [Fact]
    public async Task Max_concurrent_binds_when_below_the_free_slots()
    {
        var log = new FakeRunLog();
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromMilliseconds(40), [3, 3]);
        var search = cluster.Client.GetGrain<ISearchGrain>("bounded");
        await search.StartAsync(TestSpecs.Make(maxTrials: 10, maxConcurrent: 2));
        var status = await WaitForEndAsync(search, TimeSpan.FromSeconds(60));

        Assert.Equal(10, status.Count(TrialState.Completed));
        Assert.InRange(log.Peak, 1, 2);
    }

    [Fact]
    public async Task A_search_started_on_a_full_cluster_gets_its_share_before_the_first_search_reports_its_demand_again()
    {
        // Coordinators report their demand every 60 s here: only the registry telling the first search that the
        // newcomer cut its share to 2 of the 4 slots can make it hand slots on within the test.
        var log = new FakeRunLog();
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromMilliseconds(100), [4], tickInterval: TimeSpan.FromSeconds(60));
        var first = cluster.Client.GetGrain<ISearchGrain>("first");
        await first.StartAsync(TestSpecs.Make(maxTrials: 500, maxConcurrent: 4));
        // Within the registry's 5 s demand expiry, so the first search still competes when the newcomer registers.
        await WaitUntilAsync(async () => (await first.GetStatusAsync()).Count(TrialState.Running) == 4, TimeSpan.FromSeconds(4), "the first search on all 4 slots");

        var second = cluster.Client.GetGrain<ISearchGrain>("second");
        await second.StartAsync(TestSpecs.Make(maxTrials: 500, maxConcurrent: 4));

        // The first search's trials end every 0.3 s; told its share, it leases no more than 2 and the newcomer takes the rest.
        await WaitUntilAsync(async () => (await second.GetStatusAsync()).Count(TrialState.Running) == 2, TimeSpan.FromSeconds(10), "the second search on 2 slots");
        Assert.InRange((await first.GetStatusAsync()).Count(TrialState.Running), 0, 2);
    }

    [Fact]
    public async Task Cancel_stops_running_trials_and_ends_every_trial_once()
    {
        var log = new FakeRunLog();
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromSeconds(30), [2]);
        var search = cluster.Client.GetGrain<ISearchGrain>("cancelled");
        await search.StartAsync(TestSpecs.Make(maxTrials: 10, maxConcurrent: 2));
        await WaitUntilAsync(async () => (await search.GetStatusAsync()).Count(TrialState.Running) == 2, TimeSpan.FromSeconds(60), "two trials running");

        await search.CancelAsync();
        var status = await WaitForEndAsync(search, TimeSpan.FromSeconds(10));

        Assert.Equal(SearchState.Cancelled, status.State);
        var trials = await search.GetTrialsAsync();
        Assert.All(trials, t => Assert.Equal(TrialState.Cancelled, t.State));
        Assert.Equal(0, log.Running);
    }

    [Fact]
    public async Task A_killed_silos_trials_resume_elsewhere_and_none_is_counted_twice()
    {
        var log = new FakeRunLog();
        // Four silos: the search and registry grains sit on at most two, so some silo other than the primary
        // (silo 0) always hosts neither and can be killed while it trains. The coordinator moving with its
        // silo is another code path with a test of its own.
        await using var cluster = await TestClusters.StartAsync(log, TimeSpan.FromMilliseconds(300), [1, 1, 1, 1], leaseTimeout: TimeSpan.FromSeconds(2));
        var search = cluster.Client.GetGrain<ISearchGrain>("killed");
        await search.StartAsync(TestSpecs.Make(maxTrials: 8, maxConcurrent: 4));

        var coordinators = await CoordinatorSilosAsync(cluster);
        InProcessSiloHandle? victim = null;
        await WaitUntilAsync(() =>
        {
            victim = cluster.Silos.Skip(1).FirstOrDefault(s => !coordinators.Contains(s.SiloAddress) && log.RunningOn.GetValueOrDefault(s.Name) > 0);
            return Task.FromResult(victim is not null);
        }, TimeSpan.FromSeconds(60), "a trial running on a silo with no coordinator");
        await cluster.KillSiloAsync(victim!);

        var status = await WaitForEndAsync(search, TimeSpan.FromSeconds(90));
        var trials = await search.GetTrialsAsync();
        Assert.True(8 == status.Count(TrialState.Completed), string.Join("; ", trials.Select(t => $"{t.Number}:{t.State}/{t.Attempt} {t.FailureReason}")));
        Assert.Equal(8, trials.Select(t => t.Number).Distinct().Count());
        Assert.Contains(trials, t => t.Attempt > 1);
        Assert.All(trials, t => Assert.Equal(Enumerable.Range(1, 3), t.Epochs.Select(e => e.Epoch)));
    }

    /// <summary>The silos hosting the search and registry grains.</summary>
    private static async Task<HashSet<SiloAddress>> CoordinatorSilosAsync(InProcessTestCluster cluster)
    {
        var statistics = await cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var hosts = statistics
            .Where(s => s.GrainType.Contains(nameof(SearchGrain), StringComparison.Ordinal) || s.GrainType.Contains(nameof(SearchRegistryGrain), StringComparison.Ordinal))
            .Select(s => s.SiloAddress)
            .ToHashSet();
        Assert.NotEmpty(hosts);
        return hosts;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {timeout}: {what}");
            await Task.Delay(20);
        }
    }
}
