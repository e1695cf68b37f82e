using HyperSearch.Tuning;
using HyperSearch.Tuning.Pbt;
using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Tests;

public sealed class PopulationBasedTrainingTests
{
    private static readonly SearchSpace Space = new(new Dictionary<string, Domain>
    {
        ["learning_rate"] = new LogUniform(1e-4, 1e-1),
        ["dropout"] = new Uniform(0.0, 0.6),
        ["augment_crop_padding"] = new IntRange(0, 4),
        ["conv1_filters"] = new Choice([16L, 32L, 64L]),
    });

    private static readonly PbtOptions Options = Algorithms.ReadPbt(new Dictionary<string, object> { ["interval"] = 2L }, 8);

    private static PbtMember Member(int number, double? score, bool checkpoint = true) => new(
        number,
        score,
        checkpoint,
        new ParameterSet(new Dictionary<string, object>
        {
            ["learning_rate"] = 0.001 * (number + 1),
            ["dropout"] = 0.3,
            ["augment_crop_padding"] = 2L,
            ["conv1_filters"] = 16L << (number % 3),
        }));

    [Fact]
    public void Bottom_quantile_clones_a_top_quantile_donor_and_keeps_its_architecture()
    {
        var members = Enumerable.Range(0, 8).Select(n => Member(n, 0.5 + n * 0.05)).ToList();

        var exploits = PopulationBasedTraining.Decide(members, Options, Space, maximize: true, seed: 7, epoch: 2);

        Assert.Equal([0, 1], exploits.Select(e => e.Trial).ToArray());
        Assert.All(exploits, e => Assert.Contains(e.Donor, new[] { 6, 7 }));
        Assert.All(exploits, e => Assert.Equal(members[e.Donor].Parameters["conv1_filters"], e.NewParameters["conv1_filters"]));
        Assert.All(exploits, e => Assert.Equal(["augment_crop_padding", "dropout", "learning_rate"], e.Operations.Keys.ToArray()));
    }

    [Fact]
    public void A_trial_without_a_checkpoint_is_never_a_donor()
    {
        // The two best have no checkpoint of the interval; the bottom must not clone them, whatever the seed.
        var members = Enumerable.Range(0, 8).Select(n => Member(n, n, checkpoint: n < 6)).ToList();
        for (var seed = 0; seed < 200; seed++)
        {
            Assert.Empty(PopulationBasedTraining.Decide(members, Options, Space, maximize: true, seed, epoch: 4));
        }

        var oneDonor = members.Select(m => m.Number == 6 ? m with { HasCheckpoint = true } : m).ToList();
        for (var seed = 0; seed < 200; seed++)
        {
            Assert.All(PopulationBasedTraining.Decide(oneDonor, Options, Space, maximize: true, seed, epoch: 4), e => Assert.Equal(6, e.Donor));
        }
    }

    [Fact]
    public void Minimizing_clones_the_lowest_and_a_diverged_member_always_exploits()
    {
        var members = Enumerable.Range(0, 8).Select(n => Member(n, n == 3 ? double.NaN : n)).ToList();

        var exploits = PopulationBasedTraining.Decide(members, Options, Space, maximize: false, seed: 1, epoch: 2);

        Assert.Equal([3, 7], exploits.Select(e => e.Trial).ToArray());
        Assert.All(exploits, e => Assert.Contains(e.Donor, new[] { 0, 1 }));
    }

    [Fact]
    public void Decisions_are_deterministic_per_seed_and_differ_across_seeds()
    {
        var members = Enumerable.Range(0, 16).Select(n => Member(n, n * 0.01)).ToList();
        string Run(int seed) => string.Join("|", PopulationBasedTraining.Decide(members, Options, Space, true, seed, 6)
            .Select(e => $"{e.Trial}<{e.Donor}:{e.NewParameters.Key}"));

        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void Explored_values_are_perturbed_by_the_factors_or_resampled_inside_the_domain()
    {
        var rng = new HyperSearch.Randomness.SeededRandom(5);
        var domain = new LogUniform(1e-4, 1e-1);
        var seen = new HashSet<string>();
        for (var i = 0; i < 400; i++)
        {
            var (value, operation) = PopulationBasedTraining.Explore(domain, 0.01, Options, rng);
            var v = (double)value;
            Assert.InRange(v, 1e-4, 1e-1);
            seen.Add(operation);
            if (operation == "perturb x0.8")
            {
                Assert.Equal(0.008, v, 12);
            }
            else if (operation == "perturb x1.2")
            {
                Assert.Equal(0.012, v, 12);
            }
        }

        Assert.Equal(["perturb x0.8", "perturb x1.2", "resample"], seen.Order(StringComparer.Ordinal).ToArray());
        for (var seed = 0UL; seed < 50; seed++)
        {
            var (top, _) = PopulationBasedTraining.Explore(domain, 0.0999, Options with { ResampleProbability = 0 }, new HyperSearch.Randomness.SeededRandom(seed));
            Assert.True((double)top < 1e-1, "a perturbation stays below the domain's excluded upper bound");
        }
    }

    [Theory]
    [InlineData("conv1_filters")]
    [InlineData("learning_rate, batch_norm")]
    [InlineData("dense_units")]
    public void Mutating_an_architecture_knob_is_refused_naming_it(string mutate)
    {
        var error = Assert.Throws<OptionException>(() => Algorithms.ReadPbt(new Dictionary<string, object> { ["mutate"] = mutate }, 8));

        Assert.Equal("mutate", error.Option);
        Assert.Contains($"'{mutate.Split(", ")[^1]}' is not a trainable knob", error.Message);
    }

    [Fact]
    public void An_interval_that_leaves_no_decision_is_refused()
    {
        var error = Assert.Throws<OptionException>(() => Algorithms.ReadPbt(new Dictionary<string, object> { ["interval"] = 8L }, 8));
        Assert.Equal("interval", error.Option);
    }
}
