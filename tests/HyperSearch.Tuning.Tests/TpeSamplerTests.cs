using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class TpeSamplerTests
{
    private static readonly SearchSpace ToySpace = SpaceOf(
        ("x", new Uniform(-5, 5)),
        ("lr", new LogUniform(1e-5, 1e-1)),
        ("layers", new IntRange(1, 8)),
        ("act", new Choice(["relu", "tanh", "gelu", "elu"])));

    /// <summary>Best (0) at x = 2, lr = 1e-3, layers = 3, act = gelu.</summary>
    private static double Toy(ParameterSet p) =>
        -Math.Pow((double)p["x"] - 2, 2)
        - 2 * Math.Pow(Math.Log10((double)p["lr"]) + 3, 2)
        - 0.5 * Math.Abs((long)p["layers"] - 3)
        - ((string)p["act"] == "gelu" ? 0 : 3);

    [Theory]
    [InlineData(false, KernelScoring.Height)]
    [InlineData(true, KernelScoring.Height)]
    [InlineData(false, KernelScoring.Density)]
    [InlineData(true, KernelScoring.Density)]
    public void Prefers_the_good_region_of_a_toy_objective_over_random_search(bool multivariate, KernelScoring scoring)
    {
        // 8 seeds x 50 trials; compare the mean objective of the last 25 suggestions.
        const int seeds = 8, trials = 50;
        var tpe = new TpeSampler(new TpeOptions { Multivariate = multivariate, KernelScoring = scoring });
        double tpeMean = 0, randomMean = 0;
        for (var seed = 0; seed < seeds; seed++)
        {
            tpeMean += LateMean(Run(tpe, new NoStoppingScheduler(), ToySpace, (p, _) => Toy(p), trials, 1, seed));
            randomMean += LateMean(Run(new RandomSampler(), new NoStoppingScheduler(), ToySpace, (p, _) => Toy(p), trials, 1, seed));
        }

        tpeMean /= seeds;
        randomMean /= seeds;

        // Random averages about -14 here; TPE should be far closer to 0 (measured about -3 to -4).
        Assert.True(tpeMean > randomMean + 5, $"tpe {tpeMean:F2} vs random {randomMean:F2}");

        static double LateMean(StudyView s) => s.Trials.Skip(25).Average(t => t.Curve[^1]);
    }

    [Fact]
    public void Minimizing_the_negated_objective_gives_the_same_suggestions()
    {
        var asha = new AshaScheduler(9);
        double Curve(ParameterSet p, int epoch) => Toy(p) * (1 + 1.0 / epoch);

        var max = Run(new TpeSampler(), asha, ToySpace, Curve, 40, 9, seed: 6);
        var min = Run(new TpeSampler(), asha, ToySpace, (p, e) => -Curve(p, e), 40, 9, seed: 6, Direction.Minimize);

        Assert.Equal(max.Trials.Select(t => t.Parameters), min.Trials.Select(t => t.Parameters));
        Assert.Equal(max.Trials.Select(t => t.Status), min.Trials.Select(t => t.Status));
        Assert.Contains(max.Trials, t => t.Status == TrialStatus.Pruned);
    }

    [Fact]
    public void Uses_random_search_during_startup()
    {
        var view = View([], ToySpace, seed: 3);

        Assert.Equal(new RandomSampler().Suggest(view, 0), new TpeSampler().Suggest(view, 0));
    }

    [Fact]
    public void Parallel_workers_get_different_suggestions_thanks_to_the_constant_liar()
    {
        // A small discrete space whose best point is obvious from the finished trials.
        var space = SpaceOf(("a", new Choice(["p", "q", "r", "s"])), ("b", new Choice(["p", "q", "r", "s"])));
        var done = Run(new RandomSampler(), new NoStoppingScheduler(), space,
            (p, _) => ((string)p["a"] == "p" ? 1 : 0) + ((string)p["b"] == "p" ? 1 : 0), 10, 1, seed: 5).Trials.ToList();
        var tpe = new TpeSampler(new TpeOptions { NStartupTrials = 5 });

        // Four workers ask one after another; each sees the earlier ones as running.
        var trials = new List<TrialView>(done);
        for (var n = done.Count; n < done.Count + 4; n++)
        {
            var p = tpe.Suggest(View(trials, space), n)!;
            Assert.DoesNotContain(trials, t => t.Parameters.Equals(p));
            trials.Add(Trial(n, p, TrialStatus.Running));
        }

        Assert.Equal(trials.Count, trials.Select(t => t.Parameters.Key).Distinct().Count());
    }

    [Fact]
    public void Running_trials_lower_the_density_ratio_around_themselves()
    {
        var space = SpaceOf(("x", new Uniform(0, 1)));
        var done = Enumerable.Range(0, 20)
            .Select(i => Trial(i, Params(("x", (i + 0.5) / 20)), TrialStatus.Completed, -Math.Abs((i + 0.5) / 20 - 0.3)))
            .ToList();
        var liar = new TpeSampler();
        var honest = new TpeSampler(new TpeOptions { ConstantLiar = false });

        // Many running trials sit at the optimum: with the liar the next suggestions move away from it on average.
        var running = Enumerable.Range(20, 6).Select(i => Trial(i, Params(("x", 0.3 + (i - 20) * 1e-4)), TrialStatus.Running)).ToList();
        var view = View([.. done, .. running], space);
        double Distance(ISampler s) => Enumerable.Range(26, 30).Average(n => Math.Abs((double)s.Suggest(view, n)!["x"] - 0.3));

        Assert.True(Distance(liar) > Distance(honest), $"liar {Distance(liar):F4} honest {Distance(honest):F4}");
    }

    [Fact]
    public void Never_resuggests_a_configuration_and_returns_null_when_a_finite_space_is_used_up()
    {
        var space = SpaceOf(("a", new Choice([1, 2, 3])), ("b", new IntRange(0, 2)));
        var tpe = new TpeSampler(new TpeOptions { NStartupTrials = 2 });

        var study = Run(tpe, new NoStoppingScheduler(), space, (p, _) => (long)p["a"] * 10 + (long)p["b"], 20, 1, seed: 2);

        Assert.Equal(9, study.Trials.Count);
        Assert.Equal(9, study.Trials.Select(t => t.Parameters.Key).Distinct().Count());
    }

    [Fact]
    public void Works_with_asha_and_keeps_values_in_their_domains()
    {
        var space = SpaceOf(
            ("filters", new Choice([32, 64, 128])),
            ("units", new IntRange(16, 1024, Log: true)),
            ("dropout", new Uniform(0.2, 0.6)),
            ("lr", new LogUniform(1e-4, 3e-3)),
            ("init", new Fixed("he_normal")));
        double Curve(ParameterSet p, int epoch) =>
            (1 - Math.Exp(-epoch / 3.0)) * (1 - Math.Abs((double)p["dropout"] - 0.3) - Math.Abs(Math.Log10((double)p["lr"]) + 3) * 0.2);

        var study = Run(new TpeSampler(), new AshaScheduler(9), space, Curve, 60, 9, seed: 4);

        Assert.Equal(60, study.Trials.Count);
        Assert.Contains(study.Trials, t => t.Status == TrialStatus.Pruned);
        Assert.All(study.Trials, t =>
        {
            Assert.InRange((long)t.Parameters["units"], 16, 1024);
            Assert.InRange((double)t.Parameters["dropout"], 0.2, 0.6);
            Assert.InRange((double)t.Parameters["lr"], 1e-4, 3e-3);
            Assert.Equal("he_normal", t.Parameters["init"]);
        });
        // The late suggestions concentrate near the optimum (dropout 0.3, lr 1e-3).
        Assert.True(study.Trials.Skip(40).Average(t => Math.Abs((double)t.Parameters["dropout"] - 0.3)) < 0.08);
    }
}
