using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class GridSamplerTests
{
    private static readonly SearchSpace Small = SpaceOf(
        ("b", new Choice(["x", "y"])),
        ("a", new IntRange(1, 3)),
        ("c", new Fixed(true)));

    [Fact]
    public void Enumerates_the_product_in_name_order_with_the_last_parameter_fastest()
    {
        var sampler = new GridSampler();
        var trials = new List<TrialView>();
        var keys = new List<string>();
        for (var n = 0; n < 6; n++)
        {
            var p = sampler.Suggest(View(trials, Small), n)!;
            keys.Add(p.Key);
            trials.Add(Trial(n, p, TrialStatus.Completed, 1.0));
        }

        Assert.Equal(
            ["a=1;b=x;c=true", "a=1;b=y;c=true", "a=2;b=x;c=true", "a=2;b=y;c=true", "a=3;b=x;c=true", "a=3;b=y;c=true"],
            keys);
        Assert.Null(sampler.Suggest(View(trials, Small), 6));
    }

    [Fact]
    public void Skips_points_any_trial_holds_including_running_and_failed_ones()
    {
        var trials = new[]
        {
            Trial(0, Params(("a", 1L), ("b", "x"), ("c", true)), TrialStatus.Failed),
            Trial(1, Params(("a", 1L), ("b", "y"), ("c", true)), TrialStatus.Running),
        };

        var next = new GridSampler().Suggest(View(trials, Small), 2);

        Assert.Equal("a=2;b=x;c=true", next!.Key);
    }

    [Fact]
    public void Is_deterministic_and_ignores_the_trial_being_asked_about()
    {
        var trials = new[] { Trial(0, Params(("a", 1L), ("b", "x"), ("c", true)), TrialStatus.Waiting) };

        // A restarted coordinator that re-asks for trial 0 gets trial 0's point back.
        Assert.Equal(trials[0].Parameters, new GridSampler().Suggest(View(trials, Small), 0));
        Assert.Equal(new GridSampler().Suggest(View(trials, Small), 1), new GridSampler().Suggest(View(trials, Small), 1));
    }

    [Fact]
    public void Rejects_continuous_domains_naming_the_parameter()
    {
        var space = SpaceOf(("dropout", new Uniform(0.2, 0.6)));

        var error = Assert.Throws<ArgumentException>(() => new GridSampler().Suggest(View([], space), 0));

        Assert.Contains("dropout", error.Message);
        Assert.Contains("grid_points", error.Message);
    }

    [Fact]
    public void Grid_points_turns_continuous_domains_into_cell_midpoints()
    {
        var space = SpaceOf(("lr", new LogUniform(1e-4, 1e-2)), ("d", new Uniform(0.0, 1.0)));
        var grid = new SpaceGrid(space, gridPoints: 2);

        // "d" sorts before "lr", so "lr" varies fastest.
        Assert.Equal(4, grid.Count);
        Assert.Equal(0.25, (double)grid.At(0)["d"], 12);
        Assert.Equal(0.25, (double)grid.At(1)["d"], 12);
        Assert.Equal(0.75, (double)grid.At(2)["d"], 12);
        Assert.Equal(Math.Pow(10, -3.5), (double)grid.At(0)["lr"], 12);
        Assert.Equal(Math.Pow(10, -2.5), (double)grid.At(1)["lr"], 12);
    }
}
