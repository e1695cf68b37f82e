using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

/// <summary>A coordinator that restarts rebuilds its algorithms and replays the trial table: it must get the same answers.</summary>
public sealed class RestartPurityTests
{
    private static readonly SearchSpace Cnn = SpaceOf(
        ("conv1_filters", new Choice([32, 64, 128])),
        ("dropout", new Uniform(0.2, 0.6)),
        ("learning_rate", new LogUniform(1e-4, 3e-3)),
        ("batch_size", new Choice([128, 256, 500, 1000])),
        ("init", new Choice(["he_normal", "glorot_uniform"])));

    private static double Curve(ParameterSet p, int epoch) =>
        (1 - Math.Exp(-epoch * (double)p["learning_rate"] * 1000 / 3))
        * (0.9 - Math.Abs((double)p["dropout"] - 0.35) - ((long)p["conv1_filters"] == 64 ? 0 : 0.05))
        + 0.01 * Math.Sin(epoch * 7.0 + (double)p["dropout"] * 100);

    public static TheoryData<string, string> Pairs => new()
    {
        { "tpe", "asha" },
        { "tpe", "hyperband" },
        { "random", "median" },
        { "tpe", "none" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Replaying_the_trial_table_reproduces_every_suggestion_and_decision(string samplerName, string schedulerName)
    {
        var study = Run(Algorithms.CreateSampler(samplerName, null), Algorithms.CreateScheduler(schedulerName, null, 9), Cnn, Curve, 40, 9, seed: 11);

        // Fresh instances, as after a restart.
        var sampler = Algorithms.CreateSampler(samplerName, null);
        var scheduler = Algorithms.CreateScheduler(schedulerName, null, 9);
        foreach (var trial in study.Trials)
        {
            var before = study.Trials.Take(trial.Number).ToArray();
            Assert.Equal(trial.Parameters, sampler.Suggest(study with { Trials = before }, trial.Number));
            for (var epoch = 1; epoch <= trial.Curve.Count; epoch++)
            {
                var running = trial with { Status = TrialStatus.Running, Curve = trial.Curve.Take(epoch).ToArray() };
                var decision = scheduler.OnReport(study with { Trials = [.. before, running] }, running);
                var stopped = trial.Status == TrialStatus.Pruned && epoch == trial.Curve.Count;
                Assert.Equal(stopped ? SchedulerDecision.Stop : SchedulerDecision.Continue, decision);
            }
        }
    }

    [Fact]
    public void A_sampler_instance_keeps_no_hidden_state_between_calls()
    {
        var study = Run(new TpeSampler(), new AshaScheduler(9), Cnn, Curve, 30, 9, seed: 3);
        var withRunning = study with { Trials = [.. study.Trials, Trial(30, study.Trials[0].Parameters, TrialStatus.Running)] };
        var tpe = new TpeSampler();

        var first = tpe.Suggest(study, 30);
        _ = tpe.Suggest(withRunning, 31);
        _ = tpe.Suggest(study with { Seed = 99 }, 30);

        Assert.Equal(first, tpe.Suggest(study, 30));
        Assert.NotEqual(first, tpe.Suggest(study with { Seed = 99 }, 30));
    }

    [Fact]
    public void After_a_restart_no_completed_configuration_is_suggested_again()
    {
        var study = Run(new TpeSampler(), new AshaScheduler(9), Cnn, Curve, 40, 9, seed: 5);
        var keys = study.Trials.Select(t => t.Parameters.Key).ToHashSet();

        for (var n = 40; n < 60; n++)
        {
            Assert.DoesNotContain(new TpeSampler().Suggest(study, n)!.Key, keys);
        }
    }
}
