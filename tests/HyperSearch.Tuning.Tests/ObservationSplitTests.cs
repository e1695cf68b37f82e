using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Samplers.Tpe;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class ObservationSplitTests
{
    [Fact]
    public void Compares_trials_at_a_common_resource_not_by_how_far_they_got()
    {
        // Trial 0 ran all 9 epochs (say, in a bracket that never stops) but was the worst of four at epoch 3.
        var trials = new List<TrialView>
        {
            Trial(0, TrialStatus.Completed, 0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3),
            Trial(1, TrialStatus.Pruned, 0.5, 0.6, 0.7),
            Trial(2, TrialStatus.Pruned, 0.5, 0.6, 0.8),
            Trial(3, TrialStatus.Pruned, 0.5, 0.6, 0.75),
            Trial(4, TrialStatus.Running, 0.9),
        };
        for (var i = 5; i < 25; i++)
        {
            trials.Add(Trial(i, TrialStatus.Pruned, 0.05));
        }

        // 24 scored trials -> 3 good; epoch 3 is the highest resource that 3 trials reached.
        var split = ObservationSplit.Compute(View(trials), 99, new TpeOptions());

        Assert.Equal([1, 2, 3], split.Good.Select(t => t.Number));
        Assert.Contains(split.Bad, t => t.Number == 0);
        Assert.Contains(split.Bad, t => t.Number == 4); // the running trial is a liar
        Assert.Equal(24, split.ScoredCount);
    }

    [Fact]
    public void Picks_the_best_at_the_common_resource_and_flips_for_minimize()
    {
        var trials = Enumerable.Range(0, 10).Select(i => Trial(i, TrialStatus.Completed, i)).ToList();

        var max = ObservationSplit.Compute(View(trials), 99, new TpeOptions());
        var min = ObservationSplit.Compute(View(trials, direction: Direction.Minimize), 99, new TpeOptions());

        Assert.Equal([9], max.Good.Select(t => t.Number));
        Assert.Equal([0], min.Good.Select(t => t.Number));
    }

    [Fact]
    public void Default_weights_match_optuna()
    {
        Assert.Equal([1.0, 1.0, 1.0], TpeSampler.Weights(3));
        var w = TpeSampler.Weights(30);
        Assert.Equal(1.0 / 30, w[0], 12);
        Assert.Equal(1.0, w[4], 12);
        Assert.Equal(1.0, w[29], 12);
        Assert.True(w[1] > w[0] && w[2] > w[1]);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.157299207050285)]
    [InlineData(3.0, 2.20904969985854e-05)]
    [InlineData(6.0, 2.15197367124989e-17)]
    [InlineData(-1.0, 1.842700792949715)]
    public void Erfc_is_accurate_including_the_tails(double x, double expected) =>
        Assert.True(Math.Abs(NormalMath.Erfc(x) / expected - 1) < 2e-7, $"erfc({x}) = {NormalMath.Erfc(x)}");

    [Fact]
    public void Log_mass_handles_narrow_and_far_intervals()
    {
        Assert.Equal(Math.Log(0.682689492137086), NormalMath.LogMass(-1, 1), 6);
        Assert.Equal(Math.Log(1.3498980316301e-3 - 3.16712418331e-5), NormalMath.LogMass(3, 4), 5);
        // Far in the tail and narrow: stays finite and close to density x width.
        Assert.Equal(NormalMath.LogPdf(40.0005) + Math.Log(0.001), NormalMath.LogMass(40, 40.001), 6);
    }
}
