using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>docs/cluster.md, "Failure semantics", on the real grains of an in-process cluster: a slot whose silo looks
/// dead (its heartbeats are lost on the way) loses its lease, another slot takes the work, and what the first one
/// does when it is heard from again is refused.</summary>
[Collection(ProbedCluster.Collection)]
public sealed class LeaseFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_trial_grain_whose_heartbeat_is_refused_stops_its_attempt()
    {
        var probe = new ClusterProbe();
        var runner = new ScriptedRunner(TimeSpan.FromMilliseconds(50));
        var stalled = runner.Hold(w => w.Kind == WorkKind.Train && w.TrialNumber == 0, ignoreCancellation: false);
        await using var cluster = await ProbedCluster.StartAsync(probe, _ => runner, [2], c => c.LeaseTimeout = TimeSpan.FromSeconds(2));
        var search = cluster.Client.GetGrain<ISearchGrain>("refused-heartbeat");
        await search.StartAsync(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var first = await stalled.Started.WaitAsync(Deadline);

        // Its silo looks dead to the coordinator: the lease expires and the other slot takes the trial over.
        probe.Partition(0, first.LeaseToken);
        await ProbedCluster.WaitForAsync(() => runner.Started.Any(w => w.TrialNumber == 0 && w.LeaseToken != first.LeaseToken), Deadline,
            () => $"a second attempt of trial 0; calls: {string.Join("; ", probe.Calls.TakeLast(10))}");
        Assert.False(stalled.Ended.IsCompleted, "the first attempt stopped before it was heard from again");

        // Heard from again, its next heartbeat is refused, and the trial grain stops the attempt.
        probe.Heal(0, first.LeaseToken);
        await ProbedCluster.WaitForAsync(() => stalled.Ended.IsCompleted, Deadline,
            () => $"the first attempt to stop; its heartbeats: {string.Join("; ", probe.CallsTo(nameof(ISearchGrain.HeartbeatAsync)).Where(c => c.LeaseToken == first.LeaseToken).TakeLast(5))}");
        Assert.Equal(HeldAttempt.Ending.Cancelled, await stalled.Ended);
        var refused = probe.CallsTo(nameof(ISearchGrain.HeartbeatAsync)).Where(c => c.LeaseToken == first.LeaseToken && c.Result is false).ToList();
        Assert.NotEmpty(refused);

        // The trial ends once, by the attempt that owns it.
        var status = await ProbedCluster.WaitAsync(search, s => s.State.IsFinished(), Deadline, "the search to finish");
        Assert.Equal(SearchState.Completed, status.State);
        var trial = Assert.Single(await search.GetTrialsAsync());
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.True(trial.Attempt > 1, $"the trial ended on attempt {trial.Attempt}, not on a later one");
        Assert.Equal([1, 2, 3], trial.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public async Task An_expired_evaluation_lease_moves_the_evaluation_and_its_stale_report_is_refused_so_the_test_split_is_evaluated_once()
    {
        var probe = new ClusterProbe();
        var runner = new ScriptedRunner(TimeSpan.FromMilliseconds(50));
        var stalled = runner.Hold(w => w.Kind == WorkKind.EvaluateTest, ignoreCancellation: false);
        var successor = runner.Hold(w => w.Kind == WorkKind.EvaluateTest, ignoreCancellation: false);
        // A lease long enough that the evaluation that owns it (heartbeating every 200 ms) keeps it on a loaded machine.
        await using var cluster = await ProbedCluster.StartAsync(probe, _ => runner, [2], c => c.LeaseTimeout = TimeSpan.FromSeconds(5));
        var search = cluster.Client.GetGrain<ISearchGrain>("evaluation-lease");
        await search.StartAsync(TestSpecs.Make(maxTrials: 3, maxConcurrent: 2));

        // The winner's evaluation starts, then its silo looks dead: the evaluation lease expires and moves to the other slot.
        var first = await stalled.Started.WaitAsync(Deadline);
        probe.Partition(first.TrialNumber, first.LeaseToken);
        var second = await successor.Started.WaitAsync(Deadline);
        Assert.Equal(first.TrialNumber, second.TrialNumber);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);

        // Heard from again, the first evaluation is stopped (its heartbeat is refused) and its report is refused too.
        probe.Heal(first.TrialNumber, first.LeaseToken);
        await ProbedCluster.WaitForAsync(
            () => probe.CallsTo(nameof(ISearchGrain.ReportTestAsync)).Any(c => c.LeaseToken == first.LeaseToken && c.Returned is not null), Deadline,
            () => $"the stale evaluation's report; calls: {string.Join("; ", probe.Calls.TakeLast(10))}");
        Assert.Equal(HeldAttempt.Ending.Cancelled, await stalled.Ended);
        var waiting = await search.GetStatusAsync();
        Assert.Equal(SearchState.EvaluatingWinner, waiting.State);
        Assert.Null(waiting.Test);

        // The evaluation that owns the lease ends the search with its result: the test split was evaluated once.
        successor.Release();
        var status = await ProbedCluster.WaitAsync(search, s => s.State.IsFinished(), Deadline, "the search to finish");
        Assert.Equal(SearchState.Completed, status.State);
        Assert.Equal(0.5 + (second.LeaseToken % 10_000) / 100.0, status.Test?.TestAccuracy);
        var evaluated = Assert.Single(runner.Evaluated);
        Assert.Equal(second.LeaseToken, evaluated.LeaseToken);
        Assert.Single(probe.CallsTo(nameof(ISearchGrain.ReportTestAsync)), c => c.LeaseToken == second.LeaseToken);
    }
}
