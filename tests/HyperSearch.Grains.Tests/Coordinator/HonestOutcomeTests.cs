using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>A trial's objective must be a number to count as completed; a search with nothing completed fails; a
/// cancelled search reopens with its trials under the same numbers.</summary>
public sealed class HonestOutcomeTests
{
    [Theory]
    [InlineData(double.NaN, "diverged: objective val_accuracy is NaN at epoch 1")]
    [InlineData(double.PositiveInfinity, "diverged: objective val_accuracy is +Infinity at epoch 1")]
    public void A_non_finite_objective_fails_the_trial_as_diverged(double value, string reason)
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 1));
        var work = h.Lease()!;
        h.Report(work, 1, value);
        Assert.True(h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 100), h.Now));

        var trial = h.State.Trials[0];
        Assert.Equal(TrialState.Failed, trial.State);
        Assert.Equal(reason, trial.FailureReason);
        Assert.Null(h.Coordinator.BestCompleted());
        Assert.Equal(SearchState.Failed, h.State.State);
        Assert.StartsWith("no trial completed", h.State.StopReason);
        Assert.Null(h.State.WinnerNumber);
    }

    [Fact]
    public void An_objective_the_trial_never_reported_fails_it()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 1));
        var work = h.Lease()!;
        h.Coordinator.ReportEpoch(work.TrialNumber, work.LeaseToken, new EpochMetrics(1, new Dictionary<string, double> { ["val_acc"] = 0.5 }), h.Now);
        h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 100), h.Now);

        Assert.Equal(TrialState.Failed, h.State.Trials[0].State);
        Assert.Equal("objective 'val_accuracy' was never reported (epoch 1 reported: val_acc)", h.State.Trials[0].FailureReason);
        Assert.Equal(SearchState.Failed, h.State.State);
    }

    [Fact]
    public void A_search_with_one_completed_trial_among_failures_still_completes()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 2, maxConcurrent: 1, epochs: 1));
        h.Finish(h.Lease()!, TrialState.Failed, "boom");
        h.RunToEnd();
        Assert.Equal(SearchState.Completed, h.State.State);
        Assert.Equal(1, h.State.WinnerNumber);
    }

    [Fact]
    public void A_cancelled_search_reopens_its_cancelled_trials_under_the_same_numbers_as_resumes()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 3, maxConcurrent: 1, epochs: 2));
        h.Finish(h.Lease()!);
        var running = h.Lease()!;
        h.Report(running, 1);
        h.Coordinator.Cancel(h.Now);
        h.Coordinator.Complete(running.TrialNumber, running.LeaseToken, new TrialOutcomeReport(TrialState.Cancelled, null, 100), h.Now);
        Assert.Equal(SearchState.Cancelled, h.State.State);
        Assert.True(h.Coordinator.Reopen(h.Now));

        Assert.Equal(SearchState.Running, h.State.State);
        Assert.Null(h.State.StopReason);
        var resumed = h.Lease()!;
        Assert.Equal(running.TrialNumber, resumed.TrialNumber);
        Assert.True(resumed.Resume, "a trial that had started must resume from its checkpoint");
        Assert.Equal(TrialState.Completed, h.State.Trials[0].State);

        h.Finish(resumed);
        h.RunToEnd();
        Assert.Equal(SearchState.Completed, h.State.State);
        Assert.Equal([0, 1, 2], h.State.Trials.Select(t => t.Number));
        Assert.All(h.State.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.False(h.Coordinator.Reopen(h.Now), "only a cancelled search reopens");
    }
}
