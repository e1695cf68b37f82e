using HyperSearch.Tuning.Schedulers;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class PercentileSchedulerTests
{
    /// <summary>Five completed trials whose values at epoch 2 are 0.1 … 0.5 (median 0.3).</summary>
    private static readonly TrialView[] Completed =
        Enumerable.Range(0, 5).Select(i => Trial(i, TrialStatus.Completed, 0.0, (i + 1) / 10.0, 0.9, 0.9)).ToArray();

    [Theory]
    [InlineData(0.25, SchedulerDecision.Stop)]
    [InlineData(0.30, SchedulerDecision.Continue)]
    [InlineData(0.35, SchedulerDecision.Continue)]
    public void Median_rule_stops_a_trial_below_the_median_of_completed_trials_at_the_same_epoch(double value, SchedulerDecision expected)
    {
        var trial = Trial(9, TrialStatus.Running, 0.0, value);

        Assert.Equal(expected, PercentileScheduler.Median().OnReport(View([.. Completed, trial], maxResource: 4), trial));
    }

    [Fact]
    public void Uses_the_best_value_so_far_like_optuna()
    {
        var dipped = Trial(9, TrialStatus.Running, 0.4, 0.2);

        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median().OnReport(View([.. Completed, dipped], maxResource: 4), dipped));
    }

    [Fact]
    public void Waits_for_the_grace_period_and_enough_completed_trials()
    {
        var trial = Trial(9, TrialStatus.Running, 0.0, 0.0);
        var view = View([.. Completed, trial], maxResource: 4);

        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median(gracePeriod: 2).OnReport(view, trial));
        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median(minTrials: 6).OnReport(view, trial));
        Assert.Equal(SchedulerDecision.Stop, PercentileScheduler.Median(gracePeriod: 1, minTrials: 5).OnReport(view, trial));

        // Pruned and running trials do not count towards min_trials nor set the bar.
        var pruned = Enumerable.Range(10, 5).Select(i => Trial(i, TrialStatus.Pruned, 0.0, -5.0)).ToArray();
        var fewCompleted = View([.. Completed.Take(4), .. pruned, trial], maxResource: 4);
        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median().OnReport(fewCompleted, trial));
    }

    [Fact]
    public void Minimize_flips_the_comparison()
    {
        // Epoch 1 is worse than every value at epoch 2, so the best so far is the epoch-2 value.
        var low = Trial(9, TrialStatus.Running, 0.9, 0.2);
        var high = Trial(9, TrialStatus.Running, 0.9, 0.4);

        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median().OnReport(View([.. Completed, low], direction: Direction.Minimize, maxResource: 4), low));
        Assert.Equal(SchedulerDecision.Stop, PercentileScheduler.Median().OnReport(View([.. Completed, high], direction: Direction.Minimize, maxResource: 4), high));
    }

    [Fact]
    public void Percentile_variant_keeps_only_the_best_quarter()
    {
        // 25th best percentile of 0.1..0.5 in "keep the best" terms is the 75th percentile value 0.4.
        var trial = Trial(9, TrialStatus.Running, 0.0, 0.35);

        Assert.Equal(SchedulerDecision.Stop, new PercentileScheduler(25).OnReport(View([.. Completed, trial], maxResource: 4), trial));
        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median().OnReport(View([.. Completed, trial], maxResource: 4), trial));
    }

    [Fact]
    public void Never_stops_the_last_report()
    {
        var trial = Trial(9, TrialStatus.Running, 0.0, 0.0, 0.0, 0.0);

        Assert.Equal(SchedulerDecision.Continue, PercentileScheduler.Median().OnReport(View([.. Completed, trial], maxResource: 4), trial));
    }
}
