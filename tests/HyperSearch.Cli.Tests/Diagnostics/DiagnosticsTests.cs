using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;

namespace HyperSearch.Cli.Tests.Diagnostics;

/// <summary>The diagnostics are pure functions over trial records: each rule on hand-made curves.</summary>
public sealed class DiagnosticsTests
{
    internal static TrialRecord Trial(int number, TrialState state, string? failure, params (double TrainLoss, double TrainAcc, double ValLoss, double ValAcc)[] epochs) =>
        new(number, new Dictionary<string, object> { ["learning_rate"] = 0.001 * (number + 1) }, state, 1,
            epochs.Select((e, i) => new EpochMetrics(i + 1, new Dictionary<string, double>
            {
                [EpochMetrics.TrainLoss] = e.TrainLoss,
                [EpochMetrics.TrainAccuracy] = e.TrainAcc,
                [EpochMetrics.ValLoss] = e.ValLoss,
                [EpochMetrics.ValAccuracy] = e.ValAcc,
                [EpochMetrics.EpochSeconds] = 1.5,
            })).ToList(),
            failure, 1000, "w", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(1), epochs.Length > 0 ? epochs[^1].ValAcc : null);

    [Fact]
    public void Val_loss_rising_while_train_loss_falls_is_overfitting_from_the_epoch_after_the_best()
    {
        var trial = Trial(0, TrialState.Completed, null,
            (1.2, 0.60, 1.00, 0.62), (0.7, 0.75, 0.80, 0.72), (0.5, 0.82, 0.70, 0.75), (0.3, 0.90, 0.75, 0.75), (0.15, 0.96, 0.85, 0.74), (0.08, 0.99, 0.95, 0.74));

        var finding = TrialDiagnostics.Overfitting(trial);

        Assert.NotNull(finding);
        Assert.Equal(4, finding.Epoch);
        Assert.Contains("overfits from epoch 4", finding.Message);
        Assert.Contains("validation loss rose from 0.700 (epoch 3)", finding.Message);
        Assert.Contains("gap grew", finding.Message);
        Assert.Contains("dropout", finding.Suggestion);
    }

    [Fact]
    public void A_healthy_curve_is_not_overfitting()
    {
        var trial = Trial(0, TrialState.Completed, null,
            (1.0, 0.65, 0.90, 0.66), (0.7, 0.75, 0.68, 0.76), (0.55, 0.80, 0.55, 0.80), (0.5, 0.82, 0.52, 0.81));
        Assert.Empty(TrialDiagnostics.Check(trial, 10));
    }

    [Fact]
    public void A_growing_accuracy_gap_alone_is_overfitting()
    {
        var trial = Trial(0, TrialState.Completed, null,
            (1.0, 0.70, 0.90, 0.70), (0.8, 0.80, 0.80, 0.79), (0.6, 0.88, 0.79, 0.80), (0.5, 0.93, 0.78, 0.81));
        var finding = TrialDiagnostics.Overfitting(trial);
        Assert.NotNull(finding);
        Assert.Equal(3, finding.Epoch); // the gap is narrowest at epoch 2 (epoch 1's train accuracy is a running average)
        Assert.Contains("gap grew from 0.010 (epoch 2) to 0.120", finding.Message);
    }

    [Fact]
    public void The_engines_divergence_report_names_the_epoch()
    {
        var trial = Trial(3, TrialState.Failed, "diverged at epoch 2, batch 17: loss is NaN", (2.3, 0.1, 2.3, 0.1));
        var finding = Assert.Single(TrialDiagnostics.Check(trial, 10), f => f.Kind == Finding.Divergence);
        Assert.Equal(2, finding.Epoch);
        Assert.Contains("learning rate", finding.Suggestion);
    }

    [Fact]
    public void Exploding_training_loss_is_divergence()
    {
        var trial = Trial(0, TrialState.Completed, null, (1.0, 0.5, 1.0, 0.5), (2.0, 0.3, 2.5, 0.3), (40.0, 0.1, 50, 0.1));
        Assert.Equal(3, TrialDiagnostics.Divergence(trial)!.Epoch);
    }

    [Fact]
    public void Every_trial_near_chance_is_a_data_problem_not_a_hyperparameter_problem()
    {
        var trials = Enumerable.Range(0, 3).Select(n => Trial(n, TrialState.Completed, null,
            (2.30, 0.10, 2.30, 0.10), (2.30, 0.11, 2.30, 0.09), (2.30, 0.10, 2.30, 0.11))).ToList();

        var findings = SearchDiagnostics.Check(trials, classes: 10);

        var chance = Assert.Single(findings, f => f.Kind == Finding.NearChance);
        Assert.Null(chance.Trial);
        Assert.Contains("data problem, not a hyperparameter problem", chance.Message);
        Assert.Contains("labels", chance.Suggestion);
        Assert.DoesNotContain(findings, f => f.Kind == Finding.NotLearning); // folded into the search finding
    }

    [Fact]
    public void One_trial_near_chance_among_learners_is_that_trials_problem()
    {
        var trials = new[]
        {
            Trial(0, TrialState.Completed, null, (1.0, 0.6, 0.9, 0.65), (0.6, 0.78, 0.6, 0.78)),
            Trial(1, TrialState.Completed, null, (2.3, 0.1, 2.3, 0.1), (2.3, 0.11, 2.3, 0.12)),
        };
        var findings = SearchDiagnostics.Check(trials, 10);
        Assert.DoesNotContain(findings, f => f.Kind == Finding.NearChance);
        Assert.Equal(1, Assert.Single(findings, f => f.Kind == Finding.NotLearning).Trial);
    }

    [Fact]
    public void Parameter_importance_ranks_the_parameter_that_decides_the_objective_first()
    {
        var trials = new List<(IReadOnlyDictionary<string, object>, double)>();
        for (var i = 0; i < 12; i++)
        {
            IReadOnlyDictionary<string, object> p = new Dictionary<string, object> { ["lr"] = i % 2 == 0 ? 0.001 : 0.1, ["dropout"] = 0.1 * (i % 3) };
            trials.Add((p, i % 2 == 0 ? 0.9 : 0.2));
        }

        var ranked = ParameterImportance.Compute(trials);
        Assert.Equal("lr", ranked[0].Parameter);
        Assert.Equal(1.0, ranked[0].Importance, 6);
        Assert.Equal(0.0, ranked[1].Importance, 6);
    }
}
