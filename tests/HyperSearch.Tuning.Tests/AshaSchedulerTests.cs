using HyperSearch.Tuning.Schedulers;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class AshaSchedulerTests
{
    private static readonly AshaScheduler Asha = new(maxResource: 27, minResource: 1, reductionFactor: 3);

    [Fact]
    public void Rungs_are_r_times_powers_of_eta_below_the_maximum()
    {
        Assert.Equal([1, 3, 9], Asha.Rungs);
        Assert.Equal([2, 6], new AshaScheduler(18, 2, 3).Rungs);
    }

    [Fact]
    public void Keeps_the_top_third_of_values_recorded_at_a_rung_so_far()
    {
        // Reports at rung 1 arrive in this order; each decision sees only what was recorded before it.
        double[] values = [0.5, 0.9, 0.1, 0.3, 0.8, 0.2, 0.85];
        var expected = new[]
        {
            SchedulerDecision.Continue, // alone: the first arrival always continues
            SchedulerDecision.Continue, // best of 2
            SchedulerDecision.Stop,     // 3 values, top 1 is 0.9
            SchedulerDecision.Stop,
            SchedulerDecision.Stop,     // 0.8 is second of 5, top 1 only
            SchedulerDecision.Stop,     // 6 values, top 2 are 0.9 and 0.8
            SchedulerDecision.Continue, // 7 values, top 2: 0.9 and 0.85
        };
        var trials = new List<TrialView>();
        for (var i = 0; i < values.Length; i++)
        {
            var trial = Trial(i, TrialStatus.Running, values[i]);
            trials.Add(trial);
            Assert.Equal(expected[i], Asha.OnReport(View(trials), trial));
            trials[i] = trial with { Status = expected[i] == SchedulerDecision.Stop ? TrialStatus.Pruned : TrialStatus.Running };
        }
    }

    [Fact]
    public void Judges_only_reports_that_land_on_a_rung()
    {
        var others = Enumerable.Range(0, 9).Select(i => Trial(i, TrialStatus.Running, 0.9, 0.9, 0.9, 0.9)).ToList();
        var poor = Trial(9, TrialStatus.Running, 0.95, 0.1);

        Assert.Equal(SchedulerDecision.Continue, Asha.OnReport(View([.. others, poor]), poor)); // epoch 2: no rung
        var atRung = poor with { Curve = [0.95, 0.1, 0.1] };
        Assert.Equal(SchedulerDecision.Stop, Asha.OnReport(View([.. others, atRung]), atRung)); // epoch 3
    }

    [Fact]
    public void Late_reports_are_compared_with_every_value_recorded_at_that_rung_whenever_it_arrived()
    {
        // Trials 1..5 have long passed rung 3 (their values there are what counts, not their later ones);
        // trial 0 started first but reports rung 3 last.
        var trials = new List<TrialView>
        {
            Trial(1, TrialStatus.Running, 0.5, 0.5, 0.60, 0.9, 0.9),
            Trial(2, TrialStatus.Pruned, 0.5, 0.5, 0.40),
            Trial(3, TrialStatus.Completed, 0.5, 0.5, 0.70, 0.1, 0.1),
            Trial(4, TrialStatus.Pruned, 0.5, 0.5, 0.30),
            Trial(5, TrialStatus.Pruned, 0.5, 0.5, 0.20),
        };
        var late = Trial(0, TrialStatus.Running, 0.5, 0.5, 0.65);
        var lateBest = late with { Curve = [0.5, 0.5, 0.75] };

        // 6 values at rung 3 -> top 2 are 0.70 and (0.65 | 0.75).
        Assert.Equal(SchedulerDecision.Continue, Asha.OnReport(View([late, .. trials]), late));
        Assert.Equal(SchedulerDecision.Continue, Asha.OnReport(View([lateBest, .. trials]), lateBest));
        var lateWorse = late with { Curve = [0.5, 0.5, 0.55] };
        Assert.Equal(SchedulerDecision.Stop, Asha.OnReport(View([lateWorse, .. trials]), lateWorse));
    }

    [Fact]
    public void Minimize_flips_the_order()
    {
        var trials = new[] { Trial(0, TrialStatus.Pruned, 0.2), Trial(1, TrialStatus.Pruned, 0.3) };
        var low = Trial(2, TrialStatus.Running, 0.1);
        var high = Trial(2, TrialStatus.Running, 0.4);

        Assert.Equal(SchedulerDecision.Continue, Asha.OnReport(View([.. trials, low], direction: Direction.Minimize), low));
        Assert.Equal(SchedulerDecision.Stop, Asha.OnReport(View([.. trials, high], direction: Direction.Minimize), high));
        Assert.Equal(SchedulerDecision.Stop, Asha.OnReport(View([.. trials, low]), low));
    }

    [Fact]
    public void A_nan_objective_is_stopped_at_a_rung()
    {
        var nan = Trial(0, TrialStatus.Running, double.NaN);

        Assert.Equal(SchedulerDecision.Stop, Asha.OnReport(View([nan]), nan));
    }

    [Fact]
    public void Never_stops_at_the_maximum_resource()
    {
        var curve = Enumerable.Repeat(0.0, 27).ToArray();
        var others = Enumerable.Range(0, 5).Select(i => Trial(i, TrialStatus.Completed, Enumerable.Repeat(1.0, 27).ToArray()));
        var last = Trial(9, TrialStatus.Running, curve);

        Assert.Equal(SchedulerDecision.Continue, Asha.OnReport(View([.. others, last]), last));
    }
}
