using HyperSearch.Tuning.MultiObjective;
using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Samplers.Tpe;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.MultiObjectiveStudies;

namespace HyperSearch.Tuning.Tests;

public sealed class MultiObjectiveSamplerTests
{
    private static readonly Direction[] MaxMin = [Direction.Maximize, Direction.Minimize];

    private static readonly SearchSpace Mixed = Studies.SpaceOf(
        ("x", new Uniform(0, 1)),
        ("y", new Uniform(0, 1)),
        ("width", new Choice([16L, 32L, 64L])),
        ("depth", new IntRange(1, 4)));

    /// <summary>ZDT1-like, as (maximize 1 − f1, minimize f2): the front is x free, y = 0, width = 16, depth = 1.</summary>
    private static double[] Zdt(ParameterSet p, int epoch)
    {
        var f1 = (double)p["x"];
        var g = 1 + 9 * ((double)p["y"] + ((long)p["width"] - 16) / 48.0 + ((long)p["depth"] - 1) / 3.0) / 3;
        return [1 - f1, g * (1 - Math.Sqrt(f1 / g)) + 0.5 / epoch];
    }

    private static double FinalHypervolume(StudyView study)
    {
        var finals = study.Trials.Where(t => t.Status == TrialStatus.Completed)
            .Select(t => (IReadOnlyList<double>)study.ScoresAt(t, study.Reached(t))!).ToArray();
        return Hypervolume.Compute(finals, [-0.1, -11.0]);
    }

    public static TheoryData<string> Samplers => ["nsga2", "motpe"];

    private static ISampler Create(string name) => name == "nsga2" ? new NsgaIISampler(populationSize: 10) : new MoTpeSampler();

    [Theory]
    [MemberData(nameof(Samplers))]
    public void The_same_seed_gives_the_same_search_and_another_seed_another(string name)
    {
        var a = Run(Create(name), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 40, 1, seed: 5);
        var b = Run(Create(name), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 40, 1, seed: 5);
        var c = Run(Create(name), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 40, 1, seed: 6);
        Assert.Equal(a.Trials.Select(t => t.Parameters.Key), b.Trials.Select(t => t.Parameters.Key));
        Assert.NotEqual(a.Trials.Select(t => t.Parameters.Key), c.Trials.Select(t => t.Parameters.Key));
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Never_repeats_a_configuration_and_stops_when_a_finite_space_is_used_up(string name)
    {
        var small = Studies.SpaceOf(("width", new Choice([16L, 32L, 64L])), ("depth", new IntRange(1, 4)), ("act", new Choice(["relu", "gelu"])));
        var study = Run(Create(name), new NoStoppingScheduler(), small, MaxMin,
            (p, _) => [(long)p["depth"] * 0.1, (long)p["width"]], 40, 1, seed: 3);
        Assert.Equal(24, study.Trials.Count);
        Assert.Equal(24, study.Trials.Select(t => t.Parameters.Key).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void Finds_a_larger_hypervolume_than_random_search(string name)
    {
        // Eight seeds of 60 trials each; the samplers are deterministic per seed, so this cannot flake.
        double ours = 0, random = 0;
        for (var seed = 0; seed < 8; seed++)
        {
            ours += FinalHypervolume(Run(Create(name), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 60, 1, seed));
            random += FinalHypervolume(Run(new RandomSampler(), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 60, 1, seed));
        }

        Assert.True(ours > random * 1.02, $"{name}: mean hypervolume {ours / 8:F3} vs random {random / 8:F3}");
    }

    [Fact]
    public void Good_set_takes_whole_fronts_then_cuts_the_next_by_hypervolume()
    {
        double[][] points =
        [
            [0.0, 0.0], // rank 1
            [1.0, 4.0], // front
            [4.0, 1.0], // front
            [2.6, 2.6], // front, the biggest box
            [2.5, 2.5], // rank 1
        ];
        Assert.Equal([1, 2, 3], ParetoSplit.PickGood(points, 3).Order());
        Assert.Equal([3], ParetoSplit.PickGood(points, 1));
        Assert.Equal([1, 2, 3, 4], ParetoSplit.PickGood(points, 4).Order());
    }

    [Fact]
    public void Multi_objective_asha_stops_a_dominated_trial_and_keeps_a_front_one()
    {
        var space = Studies.SpaceOf(("id", new IntRange(0, 100)));
        var asha = new AshaScheduler(maxResource: 9, minResource: 1, reductionFactor: 3);
        TrialView[] earlier =
        [
            Trial(0, Studies.Params(("id", 0L)), TrialStatus.Completed, [[0.90, 100.0]]),
            Trial(1, Studies.Params(("id", 1L)), TrialStatus.Completed, [[0.80, 50.0]]),
        ];
        var dominated = Trial(2, Studies.Params(("id", 2L)), TrialStatus.Running, [[0.70, 200.0]]);
        var extreme = Trial(2, Studies.Params(("id", 2L)), TrialStatus.Running, [[0.95, 300.0]]);
        Assert.Equal(SchedulerDecision.Stop, asha.OnReport(View(space, [.. earlier, dominated], MaxMin), dominated));
        Assert.Equal(SchedulerDecision.Continue, asha.OnReport(View(space, [.. earlier, extreme], MaxMin), extreme));
    }

    [Fact]
    public void Pruning_on_non_dominated_rank_spends_fewer_epochs_and_keeps_a_good_front()
    {
        double full = 0, pruned = 0;
        int fullEpochs = 0, prunedEpochs = 0;
        for (var seed = 0; seed < 4; seed++)
        {
            var a = Run(new MoTpeSampler(), new NoStoppingScheduler(), Mixed, MaxMin, Zdt, 40, 9, seed);
            var b = Run(new MoTpeSampler(), new AshaScheduler(9), Mixed, MaxMin, Zdt, 40, 9, seed);
            (full, pruned) = (full + FinalHypervolume(a), pruned + FinalHypervolume(b));
            fullEpochs += a.Trials.Sum(t => t.Curve.Count);
            prunedEpochs += b.Trials.Sum(t => t.Curve.Count);
        }

        Assert.True(prunedEpochs < fullEpochs * 0.6, $"{prunedEpochs} vs {fullEpochs} epochs");
        Assert.True(pruned > full * 0.8, $"hypervolume {pruned:F3} pruned vs {full:F3}");
    }

    [Fact]
    public void Factory_reads_the_multi_objective_samplers_options_and_names_bad_ones()
    {
        var nsga = Assert.IsType<NsgaIISampler>(Algorithms.CreateSampler("nsga2", new Dictionary<string, object> { ["population_size"] = "20", ["mutation_prob"] = 0.2 }));
        Assert.Equal(20, nsga.PopulationSize);
        var motpe = Assert.IsType<MoTpeSampler>(Algorithms.CreateSampler("MOTPE", new Dictionary<string, object> { ["n_startup_trials"] = 5L }));
        Assert.Equal(5, motpe.Options.NStartupTrials);
        var error = Assert.Throws<ArgumentException>(() => Algorithms.CreateSampler("nsga2", new Dictionary<string, object> { ["population_size"] = 1 }));
        Assert.Contains("population_size", error.Message);
        Assert.Contains("mutation_prob", Assert.Throws<ArgumentException>(() => Algorithms.CheckSampler("nsga2", new Dictionary<string, object> { ["mutation_prob"] = 2.0 })).Message);
    }
}
