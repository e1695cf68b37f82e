using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Coordinator;

public sealed class SearchCoordinatorTests
{
    [Fact]
    public void A_curve_with_a_gap_is_placed_by_epoch_number_never_duplicating_an_epoch()
    {
        // An attempt checkpointed epoch 2 and died before reporting it; its successor reports from epoch 3 on, and a
        // retried report repeats epoch 3.
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 5));
        var work = h.Lease()!;
        h.Report(work, 1);
        h.Report(work, 3);
        h.Report(work, 3);
        h.Report(work, 4);
        Assert.Equal([1, 3, 4], h.State.Trials[0].Epochs.Select(e => e.Epoch));

        // The outcome's whole curve fills the gap.
        h.Coordinator.Complete(0, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 100,
            Enumerable.Range(1, 5).Select(e => new EpochMetrics(e, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.5 })).ToList()), h.Now);
        Assert.Equal([1, 2, 3, 4, 5], h.State.Trials[0].Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void Runs_exactly_max_trials_then_evaluates_the_winner_once()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 5, maxConcurrent: 1));
        h.RunToEnd();

        Assert.Equal(SearchState.Completed, h.State.State);
        Assert.Equal(5, h.State.Trials.Count);
        Assert.All(h.State.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.Equal(1, h.State.EvaluationAttempt);
        Assert.NotNull(h.State.Test);
        var best = h.State.Trials.MaxBy(t => Convert.ToDouble(t.Parameters["conv1_filters"]))!;
        Assert.Equal(Convert.ToDouble(best.Parameters["conv1_filters"]), Convert.ToDouble(h.State.Trials[h.State.WinnerNumber!.Value].Parameters["conv1_filters"]));
        Assert.Contains("max_trials", h.State.StopReason);
    }

    [Fact]
    public void Never_leases_more_than_max_concurrent()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 10, maxConcurrent: 2));
        var first = h.Lease();
        var second = h.Lease();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(h.Lease());
        Assert.False(h.Coordinator.HasWork);

        h.Finish(first!);
        Assert.True(h.Coordinator.HasWork);
        Assert.NotNull(h.Lease());
    }

    [Fact]
    public void Too_many_failures_fail_the_search_with_the_last_reason()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 10, maxConcurrent: 1, maxFailed: 1));
        h.Finish(h.Lease()!, TrialState.Failed, "diverged at epoch 1, batch 3");
        Assert.Equal(SearchState.Running, h.State.State);
        h.Finish(h.Lease()!, TrialState.Failed, "diverged at epoch 2, batch 9");

        Assert.Equal(SearchState.Failed, h.State.State);
        Assert.Contains("2 trials failed", h.State.StopReason);
        Assert.Contains("batch 9", h.State.StopReason);
        Assert.Null(h.Lease());
    }

    [Fact]
    public void Reaching_the_target_stops_and_cancels_running_trials()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 50, maxConcurrent: 2, target: 0.5));
        var running = h.Lease()!;
        var winner = h.Lease()!;
        h.Finish(winner);

        Assert.Contains("target", h.State.StopReason);
        Assert.Equal([(running.TrialNumber, running.LeaseToken, (string?)"w")], h.Coordinator.TrialsToCancel());
        Assert.Equal(EpochDecision.Cancel, h.Report(running, 1));
        h.Coordinator.Complete(running.TrialNumber, running.LeaseToken, new TrialOutcomeReport(TrialState.Cancelled, null, null), h.Now);

        Assert.Equal(SearchState.EvaluatingWinner, h.State.State);
        Assert.Equal(winner.TrialNumber, h.State.WinnerNumber);
        Assert.Equal(2, h.State.Trials.Count);
    }

    [Fact]
    public void Time_budget_stops_the_search()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 50, maxConcurrent: 1, timeBudget: TimeSpan.FromMinutes(10)));
        h.Finish(h.Lease()!);
        var late = h.Lease()!;
        h.Now += TimeSpan.FromMinutes(11);
        h.Coordinator.CheckStopConditions(h.Now);

        Assert.Contains("time budget", h.State.StopReason);
        Assert.Equal(EpochDecision.Cancel, h.Report(late, 1));
        Assert.Null(h.Lease("other"));
    }

    [Fact]
    public void Cancel_ends_cancelled_without_test_evaluation()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 50, maxConcurrent: 1));
        h.Finish(h.Lease()!);
        var running = h.Lease()!;
        h.Coordinator.Cancel(h.Now);
        Assert.Equal(SearchState.Running, h.State.State);
        h.Coordinator.Complete(running.TrialNumber, running.LeaseToken, new TrialOutcomeReport(TrialState.Cancelled, null, null), h.Now);

        Assert.Equal(SearchState.Cancelled, h.State.State);
        Assert.Equal(0, h.State.EvaluationAttempt);
        Assert.Null(h.Lease());
    }

    [Fact]
    public void Each_trial_ends_in_exactly_one_terminal_state()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 3, maxConcurrent: 1));
        var work = h.Lease()!;
        h.Finish(work);
        Assert.False(h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Failed, "late", null), h.Now));
        Assert.Equal(TrialState.Completed, h.State.Trials[work.TrialNumber].State);
    }

    [Fact]
    public void An_expired_lease_is_requeued_and_the_old_attempt_is_fenced()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var dead = h.Lease("silo-a")!;
        h.Report(dead, 1);
        h.Now += TimeSpan.FromSeconds(31);
        Assert.Equal([dead.TrialNumber], h.Coordinator.ExpireLeases(h.Now, TimeSpan.FromSeconds(30)));

        var retry = h.Lease("silo-b")!;
        Assert.Equal(dead.TrialNumber, retry.TrialNumber);
        Assert.Equal(2, h.State.Trials[0].Attempt);
        Assert.NotEqual(dead.LeaseToken, retry.LeaseToken);
        Assert.True(retry.Resume);

        // The zombie comes back: everything it says is rejected.
        Assert.Equal(EpochDecision.Fenced, h.Report(dead, 2));
        Assert.False(h.Coordinator.Heartbeat(dead.TrialNumber, dead.LeaseToken, h.Now));
        Assert.False(h.Coordinator.Complete(dead.TrialNumber, dead.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 1), h.Now));

        h.Finish(retry);
        Assert.Equal(TrialState.Completed, h.State.Trials[0].State);
        Assert.Equal(3, h.State.Trials[0].Epochs.Count);
    }

    [Fact]
    public void Leases_from_a_lost_generation_never_collide_with_new_ones()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var lost = h.Lease()!;

        // The activation died before persisting that lease: its successor sees the trial waiting, in a new generation.
        h.State.Trials[0].State = TrialState.Waiting;
        h.State.Trials[0].Attempt = 0;
        h.State.Generation++;
        var successor = new HyperSearch.Grains.Search.SearchCoordinator("s1", h.State, h.Now);
        var fresh = successor.Lease("w2", h.Now)!;

        Assert.Equal(1, h.State.Trials[0].Attempt);
        Assert.NotEqual(lost.LeaseToken, fresh.LeaseToken);
        Assert.Equal(EpochDecision.Fenced, successor.ReportEpoch(0, lost.LeaseToken, new EpochMetrics(1, new Dictionary<string, double>()), h.Now));
        Assert.Equal(EpochDecision.Continue, successor.ReportEpoch(0, fresh.LeaseToken, new EpochMetrics(1, new Dictionary<string, double> { ["val_accuracy"] = 0.5 }), h.Now));
    }

    [Fact]
    public void Each_attempt_is_kept_with_its_worker_and_how_it_ended()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var first = h.Lease("silo-a/slot0")!;
        var leasedAt = h.Now;
        h.Now += TimeSpan.FromSeconds(31);
        h.Coordinator.ExpireLeases(h.Now, TimeSpan.FromSeconds(30));
        var second = h.Lease("silo-b/slot1")!;
        Assert.True(h.Coordinator.Release(second.TrialNumber, second.LeaseToken, h.Now));
        var third = h.Lease("silo-c/slot0")!;
        h.Finish(third);

        var attempts = h.State.Trials[0].Attempts;
        Assert.Equal(["silo-a/slot0", "silo-b/slot1", "silo-c/slot0"], attempts.Select(a => a.Worker));
        Assert.Equal([first.LeaseToken, second.LeaseToken, third.LeaseToken], attempts.Select(a => a.LeaseToken));
        Assert.Equal(["lease expired", "released", "completed"], attempts.Select(a => a.Ending));
        Assert.Equal(leasedAt, attempts[0].StartedAt);
        Assert.All(attempts, a => Assert.NotNull(a.EndedAt));
    }

    [Fact]
    public void The_final_report_restores_epochs_a_moved_coordinator_missed()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var work = h.Lease()!;
        h.Report(work, 1);
        var curve = Enumerable.Range(1, 3).Select(e => new EpochMetrics(e, new Dictionary<string, double> { ["val_accuracy"] = 0.5 + e / 10.0 })).ToList();
        h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 10, curve), h.Now);
        Assert.Equal([1, 2, 3], h.State.Trials[0].Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void Heartbeats_keep_a_lease_alive()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var work = h.Lease()!;
        for (var i = 0; i < 10; i++)
        {
            h.Now += TimeSpan.FromSeconds(20);
            Assert.True(h.Coordinator.Heartbeat(work.TrialNumber, work.LeaseToken, h.Now));
            Assert.Empty(h.Coordinator.ExpireLeases(h.Now, TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public void Released_trial_resumes_with_a_new_attempt()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var first = h.Lease()!;
        h.Report(first, 1);
        Assert.True(h.Coordinator.Release(first.TrialNumber, first.LeaseToken, h.Now));
        var second = h.Lease()!;
        Assert.Equal((first.TrialNumber, true), (second.TrialNumber, second.Resume));
        Assert.Equal(2, h.State.Trials[0].Attempt);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
    }

    [Fact]
    public void Grid_search_runs_every_point_once_then_reports_exhaustion()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(sampler: "grid", maxTrials: 100, maxConcurrent: 3, space: TestSpecs.GridSpace));
        h.RunToEnd();

        Assert.Equal(4, h.State.Trials.Count);
        Assert.Equal(4, h.State.Trials.Select(t => $"{t.Parameters["conv1_filters"]}/{t.Parameters["conv1_kernel"]}").Distinct().Count());
        Assert.Contains("exhausted", h.State.StopReason);
        Assert.Equal(SearchState.Completed, h.State.State);
    }

    [Fact]
    public void Ties_go_to_the_model_with_fewer_parameters()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 2, maxConcurrent: 2));
        var big = h.Lease()!;
        var small = h.Lease()!;
        foreach (var (work, parameters) in new[] { (big, 5000L), (small, 100L) })
        {
            for (var e = 1; e <= 3; e++)
            {
                h.Report(work, e, accuracy: 0.9);
            }

            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, parameters), h.Now);
        }

        Assert.Equal(small.TrialNumber, h.State.WinnerNumber);
    }

    [Fact]
    public void Pruned_trials_keep_their_partial_curves()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        var work = h.Lease()!;
        h.Report(work, 1);
        h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Pruned, null, 10), h.Now);
        Assert.Single(h.State.Trials[0].Epochs);
        Assert.Equal(TrialState.Pruned, h.State.Trials[0].State);
    }

    [Fact]
    public void A_restarted_coordinator_continues_without_repeating_configurations()
    {
        var spec = TestSpecs.Make(maxTrials: 8, maxConcurrent: 1);
        var h = new CoordinatorHarness(spec);
        for (var i = 0; i < 4; i++)
        {
            h.Finish(h.Lease()!);
        }

        // Same persisted state, new coordinator (as after a silo restart).
        var resumed = new HyperSearch.Grains.Search.SearchCoordinator("s1", h.State, h.Now);
        while (resumed.Lease("w", h.Now) is { Kind: WorkKind.Train } work)
        {
            for (var e = 1; e <= 3; e++)
            {
                resumed.ReportEpoch(work.TrialNumber, work.LeaseToken, new EpochMetrics(e, new Dictionary<string, double> { ["val_accuracy"] = 0.5 }), h.Now);
            }

            resumed.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 1), h.Now);
        }

        Assert.Equal(8, h.State.Trials.Count);
        Assert.Equal(8, h.State.Trials.Select(t => new HyperSearch.Tuning.Space.ParameterSet(t.Parameters).Key).Distinct().Count());
        Assert.Equal(SearchState.EvaluatingWinner, h.State.State);
    }

    [Fact]
    public void A_completion_is_recognised_as_its_attempts_so_a_repeated_confirmation_is_accepted_and_others_are_not()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 5, maxConcurrent: 2));
        var first = h.Lease()!;
        Assert.False(h.Coordinator.EndedBy(first.TrialNumber, first.LeaseToken));
        h.Finish(first);

        Assert.True(h.Coordinator.EndedBy(first.TrialNumber, first.LeaseToken));
        Assert.False(h.Coordinator.EndedBy(first.TrialNumber, first.LeaseToken + 1));
        Assert.False(h.Coordinator.Complete(first.TrialNumber, first.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, null), h.Now));
    }

    [Fact]
    public void A_resumed_attempts_outcome_keeps_the_epochs_it_did_not_rerun()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 3));
        var work = h.Lease()!;
        h.Report(work, 1);
        h.Report(work, 2);

        // Only epoch 3 in the outcome, as from an attempt that resumed after epoch 2.
        var last = new EpochMetrics(3, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.8 });
        Assert.True(h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 10, [last]), h.Now));
        Assert.Equal([1, 2, 3], h.State.Trials[0].Epochs.Select(e => e.Epoch));
    }
}
