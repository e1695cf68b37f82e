using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class RandomSamplerTests
{
    private static readonly SearchSpace Mixed = SpaceOf(
        ("filters", new Choice([32, 64, 128])),
        ("units", new IntRange(16, 1024, Log: true)),
        ("dropout", new Uniform(0.2, 0.6)),
        ("lr", new LogUniform(1e-4, 3e-3)),
        ("init", new Fixed("he_normal")));

    [Fact]
    public void Same_seed_and_trial_number_give_the_same_configuration()
    {
        var a = new RandomSampler().Suggest(View([], Mixed, seed: 7), 3);
        var b = new RandomSampler().Suggest(View([], Mixed, seed: 7), 3);
        var otherTrial = new RandomSampler().Suggest(View([], Mixed, seed: 7), 4);
        var otherSeed = new RandomSampler().Suggest(View([], Mixed, seed: 8), 3);

        Assert.Equal(a, b);
        Assert.NotEqual(a, otherTrial);
        Assert.NotEqual(a, otherSeed);
    }

    [Fact]
    public void Values_stay_inside_their_domains()
    {
        for (var n = 0; n < 500; n++)
        {
            var p = new RandomSampler().Suggest(View([], Mixed), n)!;
            Assert.Contains(p["filters"], new object[] { 32L, 64L, 128L });
            Assert.InRange((long)p["units"], 16, 1024);
            Assert.InRange((double)p["dropout"], 0.2, 0.6);
            Assert.True((double)p["dropout"] < 0.6);
            Assert.InRange((double)p["lr"], 1e-4, 3e-3);
            Assert.Equal("he_normal", p["init"]);
        }
    }

    [Fact]
    public void Never_repeats_a_configuration_and_returns_null_when_the_space_is_used_up()
    {
        var space = SpaceOf(("a", new Choice(["x", "y", "z"])), ("b", new IntRange(0, 3)));
        var trials = new List<TrialView>();
        for (var n = 0; n < 12; n++)
        {
            var p = new RandomSampler().Suggest(View(trials, space), n);
            Assert.NotNull(p);
            Assert.DoesNotContain(trials, t => t.Parameters.Equals(p));
            trials.Add(Trial(n, p, n % 2 == 0 ? TrialStatus.Completed : TrialStatus.Running, 0.5));
        }

        Assert.Null(new RandomSampler().Suggest(View(trials, space), 12));
    }

    [Fact]
    public void Log_integers_favour_small_values()
    {
        var space = SpaceOf(("units", new IntRange(1, 1000, Log: true)));
        var small = Enumerable.Range(0, 2000).Count(n => (long)new RandomSampler().Suggest(View([], space), n)!["units"] <= 31);

        // Log-uniform: about half the mass lies below sqrt(1000) ≈ 31.6; uniform would give 3%.
        Assert.InRange(small, 800, 1200);
    }
}
