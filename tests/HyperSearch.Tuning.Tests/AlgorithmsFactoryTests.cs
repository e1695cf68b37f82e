using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;

namespace HyperSearch.Tuning.Tests;

public sealed class AlgorithmsFactoryTests
{
    [Fact]
    public void Every_listed_name_builds()
    {
        Assert.Equal(["grid", "random", "tpe", "nsga2", "motpe"], Algorithms.SamplerNames);
        Assert.Equal(["none", "asha", "hyperband", "median", "percentile", "pbt"], Algorithms.SchedulerNames);
        Assert.All(Algorithms.SamplerNames, n => Assert.NotNull(Algorithms.CreateSampler(n, null)));
        Assert.All(Algorithms.SchedulerNames, n => Assert.NotNull(Algorithms.CreateScheduler(n, null, 27)));
        Assert.IsType<NoStoppingScheduler>(Algorithms.CreateScheduler("none", null, 6));
    }

    [Fact]
    public void Options_are_applied_and_converted_from_spec_types()
    {
        var tpe = Assert.IsType<TpeSampler>(Algorithms.CreateSampler("TPE", new Dictionary<string, object>
        {
            ["n_startup_trials"] = "4",
            ["n_ei_candidates"] = 48L,
            ["gamma"] = 0.2,
            ["multivariate"] = "true",
            ["constant_liar"] = false,
            ["kernel_scoring"] = "Density",
        }));
        Assert.Equal(
            new TpeOptions { NStartupTrials = 4, NEiCandidates = 48, Gamma = 0.2, Multivariate = true, ConstantLiar = false, KernelScoring = KernelScoring.Density },
            tpe.Options);

        var asha = Assert.IsType<AshaScheduler>(Algorithms.CreateScheduler("asha", new Dictionary<string, object> { ["min_resource"] = 2, ["reduction_factor"] = 2.0 }, 16));
        Assert.Equal([2, 4, 8], asha.Rungs);

        var hyperband = Assert.IsType<HyperbandScheduler>(Algorithms.CreateScheduler("hyperband", new Dictionary<string, object> { ["brackets"] = 2 }, 27));
        Assert.Equal(2, hyperband.BracketMinResources.Count);

        var median = Assert.IsType<PercentileScheduler>(Algorithms.CreateScheduler("median", new Dictionary<string, object> { ["grace_period"] = 2, ["min_trials"] = 3 }, 6));
        Assert.Equal((50.0, 2, 3), (median.Percentile, median.GracePeriod, median.MinTrials));

        Assert.Equal(4, Assert.IsType<GridSampler>(Algorithms.CreateSampler("grid", new Dictionary<string, object> { ["grid_points"] = 4 })).GridPoints);
    }

    [Theory]
    [InlineData("tpe", "n_startup", "n_startup")]
    [InlineData("tpe", "gamma", "gamma")]
    [InlineData("random", "grid_points", "grid_points")]
    [InlineData("tpe", "kernel_scoring", "kernel_scoring")]
    public void Unknown_or_bad_sampler_options_name_the_option(string sampler, string option, string named)
    {
        var options = new Dictionary<string, object> { [option] = option == "gamma" ? 1.5 : 1 };
        var error = Assert.Throws<ArgumentException>(() => Algorithms.CreateSampler(sampler, options));

        Assert.Contains($"'{named}'", error.Message);
        // The spec check reads the same options without building the sampler, and refuses them the same way.
        Assert.Equal(error.Message, Assert.Throws<ArgumentException>(() => Algorithms.CheckSampler(sampler, options)).Message);
    }

    [Theory]
    [InlineData("asha", "reduction_factor", 1)]
    [InlineData("asha", "min_resource", 99)]
    [InlineData("asha", "grace_period", 1)]
    [InlineData("hyperband", "brackets", 9)]
    [InlineData("median", "min_trials", "many")]
    [InlineData("median", "percentile", 10)]
    [InlineData("none", "min_resource", 1)]
    public void Unknown_or_bad_scheduler_options_name_the_option(string scheduler, string option, object value)
    {
        var options = new Dictionary<string, object> { [option] = value };
        var error = Assert.Throws<ArgumentException>(() => Algorithms.CreateScheduler(scheduler, options, 27));

        Assert.Contains($"'{option}'", error.Message);
        Assert.Equal(error.Message, Assert.Throws<ArgumentException>(() => Algorithms.CheckScheduler(scheduler, options, 27)).Message);
    }

    [Fact]
    public void Unknown_names_are_rejected_with_the_known_ones()
    {
        var sampler = Assert.Throws<ArgumentException>(() => Algorithms.CreateSampler("bayes", null));
        var scheduler = Assert.Throws<ArgumentException>(() => Algorithms.CreateScheduler("bohb", null, 6));

        Assert.Contains("'bayes'", sampler.Message);
        Assert.Contains("tpe", sampler.Message);
        Assert.Contains("'bohb'", scheduler.Message);
        Assert.Contains("hyperband", scheduler.Message);
        Assert.Equal(sampler.Message, Assert.Throws<ArgumentException>(() => Algorithms.CheckSampler("bayes", null)).Message);
        Assert.Equal(scheduler.Message, Assert.Throws<ArgumentException>(() => Algorithms.CheckScheduler("bohb", null, 6)).Message);
        Assert.Contains("epochs", Assert.Throws<ArgumentException>(() => Algorithms.CheckScheduler("asha", null, 0)).Message);
    }
}
