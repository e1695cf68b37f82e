using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Specs;

namespace HyperSearch.Cli.Tests;

/// <summary>search.objectives in the spec, the Pareto front of finished trials and `best --rule` picking from it.</summary>
public sealed class MultiObjectiveTests
{
    private const string Spec = """
        name: pareto
        dataset: fashion-mnist
        search:
          sampler: nsga2
          scheduler: asha
          max_trials: 8
          objectives:
            - {metric: val_accuracy, mode: max}
            - {metric: params, mode: min}
        training:
          epochs: 1
        space:
          conv1_filters: { choice: [16, 32] }
        """;

    private static readonly ObjectiveSpec[] AccuracyAndSize = [new("val_accuracy", true), new("params", false)];

    [Fact]
    public void Objectives_parse_and_the_first_one_becomes_the_metric()
    {
        var parsed = SpecParser.Parse(Spec);
        Assert.Empty(parsed.Errors);
        var search = parsed.Spec!.Search;
        Assert.True(search.IsMultiObjective);
        Assert.Equal(AccuracyAndSize, search.Objectives);
        Assert.Equal(("val_accuracy", true), (search.Metric, search.Maximize));
    }

    [Theory]
    [InlineData("metric: params, mode: min", "metric: parms, mode: min", "search.objectives[1].metric", "unknown metric 'parms'", 9)]
    [InlineData("metric: params, mode: min", "metric: params, mode: smallest", "search.objectives[1].mode", "must be max or min, got 'smallest'", 9)]
    [InlineData("metric: params, mode: min", "mode: min", "search.objectives[1].metric", "is required", 9)]
    [InlineData("metric: params, mode: min", "metric: val_accuracy", "search.objectives[1].metric", "already an objective", 9)]
    [InlineData("sampler: nsga2", "sampler: tpe", "search.sampler", "with several objectives use one of: nsga2, motpe", 4)]
    [InlineData("scheduler: asha", "scheduler: median", "search.scheduler", "judges one objective", 5)]
    [InlineData("max_trials: 8", "max_trials: 8\n  metric: val_loss", "search.objectives", "not both", 8)]
    public void A_bad_objective_is_refused_with_field_and_line(string find, string replace, string field, string message, int line)
    {
        Assert.Contains(find, Spec);
        var errors = SpecParser.Parse(Spec.Replace(find, replace, StringComparison.Ordinal)).Errors;
        var error = Assert.Single(errors, e => e.Field == field);
        Assert.Contains(message, error.Message);
        Assert.Equal(line, error.Line);
    }

    [Fact]
    public void A_command_trainer_may_name_its_own_metrics()
    {
        var spec = Spec.Replace("metric: params", "metric: energy_joules", StringComparison.Ordinal) + "\ntrainer:\n  command: [python3, train.py]\n";
        Assert.Empty(SpecParser.Parse(spec).Errors);
    }

    private static readonly TrialRecord[] Finished =
    [
        Trial(0, TrialState.Completed, 0.90, 400_000),
        Trial(1, TrialState.Completed, 0.88, 150_000), // front: the best under 200k
        Trial(2, TrialState.Completed, 0.85, 180_000), // dominated by 1
        Trial(3, TrialState.Completed, 0.80, 50_000),  // front
        Trial(4, TrialState.Pruned, 0.95, 10_000),     // pruned: never on the front
        Trial(5, TrialState.Completed, 0.92, 900_000), // front: the most accurate
        Trial(6, TrialState.Completed, double.NaN, 1_000), // cannot be placed
    ];

    [Fact]
    public void The_front_holds_the_completed_non_dominated_trials_best_accuracy_first()
    {
        var front = ParetoFront.Of(Finished, AccuracyAndSize);
        Assert.Equal([5, 0, 1, 3], front.Select(p => p.Trial.Number));
        Assert.Equal(150_000, front[2].Values["params"]);
    }

    [Theory]
    [InlineData("params<=200000", 1)]
    [InlineData("params <= 2e5, val_accuracy > 0.885", null)]
    [InlineData("params<100000", 3)]
    [InlineData("params<=1000000 and val_accuracy>=0.9", 5)]
    public void A_rule_picks_the_most_accurate_front_point_that_meets_it(string rule, int? expected)
    {
        var front = ParetoFront.Of(Finished, AccuracyAndSize);
        Assert.Equal(expected, ParetoFront.Pick(front, ParetoFront.ParseRule(rule, AccuracyAndSize))?.Trial.Number);
    }

    [Theory]
    [InlineData("params", "cannot read 'params'")]
    [InlineData("size<=10", "'size' is not an objective")]
    [InlineData("params<=lots", "cannot read")]
    [InlineData(" , ", "empty")]
    public void A_bad_rule_says_what_is_wrong(string rule, string message) =>
        Assert.Contains(message, Assert.Throws<UsageException>(() => ParetoFront.ParseRule(rule, AccuracyAndSize)).Message);

    private static TrialRecord Trial(int number, TrialState state, double accuracy, long parameters) =>
        new(number, new Dictionary<string, object> { ["conv1_filters"] = 16L }, state, 1,
            [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy, [EpochMetrics.Params] = parameters })],
            null, parameters, null, null, null, accuracy);
}
