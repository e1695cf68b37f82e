using System.Globalization;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Specs;
using HyperSearch.Training;

namespace HyperSearch.Cli.Commands;

/// <summary>`search status|best ID` of a multi-objective search: the Pareto front rather than one winner, and
/// `best --rule "params&lt;=200000"` to pick from it; `--test` evaluates the picked point once on the test split.</summary>
/// <remarks>The test evaluation runs after the choice and never takes part in it.</remarks>
internal static class ParetoCommands
{
    /// <summary>Answers for a multi-objective search; null when the search has one objective (the caller answers as before).</summary>
    public static async Task<int?> TryReadAsync(string id, bool json, string? rule, bool test, ResultsSource source, TextWriter stdout)
    {
        var results = await ResultsLoader.Prepare(source, id)();
        if (results.Spec?.Search is not { IsMultiObjective: true })
        {
            return rule is null && !test ? null : throw new UsageException($"--rule and --test pick from a Pareto front; search {results.SearchId} has one objective ({results.Metric})");
        }

        return await ShowAsync(results, json, rule, test, stdout);
    }

    /// <summary>The front of a search known to be multi-objective (the caller has read its spec).</summary>
    public static async Task<int> ShowAsync(SearchResults results, bool json, string? rule, bool test, TextWriter stdout)
    {
        var objectives = results.Spec!.Search.Objectives!;
        var front = ParetoFront.Of(results.Trials, objectives);
        var constraints = rule is null ? null : ParetoFront.ParseRule(rule, objectives);
        var chosen = constraints is null ? null : ParetoFront.Pick(front, constraints);
        if (test && chosen is null)
        {
            throw new UsageException(rule is null ? "--test needs --rule to say which front point to evaluate" : $"no point of the front meets {rule}");
        }

        var testResult = test ? await EvaluateAsync(results, chosen!) : null;
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                search_id = results.SearchId,
                state = results.State,
                objectives = objectives.Select(o => new { metric = o.Metric, mode = o.Maximize ? "max" : "min" }),
                pareto_front = front.Select(p => new { trial = p.Trial.Number, parameters = p.Trial.Parameters, objectives = p.Values }),
                rule,
                chosen = chosen is null ? null : new { trial = chosen.Trial.Number, parameters = chosen.Trial.Parameters, objectives = chosen.Values },
                test = testResult is null ? null : new { test_accuracy = testResult.TestAccuracy, test_loss = testResult.TestLoss, count = testResult.Count },
            }, Json.Compact));
            return Outcome(constraints, chosen);
        }

        stdout.WriteLine($"Search {results.SearchId} ({results.State}): {results.Trials.Count} trials; objectives {string.Join(", ", objectives.Select(o => $"{o.Metric} ({(o.Maximize ? "max" : "min")})"))}");
        stdout.WriteLine($"Pareto front: {front.Count} trial(s), best {objectives[0].Metric} first");
        stdout.WriteLine("  trial  " + string.Join("  ", objectives.Select(o => o.Metric.PadLeft(14))));
        foreach (var point in front)
        {
            stdout.WriteLine($"  {("#" + point.Trial.Number),-5}  " + string.Join("  ", objectives.Select(o => Format(point.Values[o.Metric]).PadLeft(14))));
        }

        if (constraints is not null)
        {
            stdout.WriteLine(chosen is null
                ? $"No front point meets {string.Join(" and ", constraints)}."
                : $"Chosen by {string.Join(" and ", constraints)}: trial #{chosen.Trial.Number} ({string.Join(", ", chosen.Values.Select(v => $"{v.Key} {Format(v.Value)}"))})");
        }

        if (testResult is not null)
        {
            stdout.WriteLine($"Test accuracy of trial #{chosen!.Trial.Number}: {testResult.TestAccuracy.ToString("0.0000", CultureInfo.InvariantCulture)} on {testResult.Count} images (evaluated after the choice, never used to make it)");
        }

        return Outcome(constraints, chosen);
    }

    /// <summary>A rule that no front point meets is a failure, in text and JSON alike.</summary>
    private static int Outcome(IReadOnlyList<FrontConstraint>? constraints, FrontPoint? chosen) =>
        constraints is not null && chosen is null ? ExitCodes.Failure : ExitCodes.Success;

    /// <summary>Exports the point's checkpoint to a scratch folder and evaluates it once on the test split.</summary>
    private static async Task<TestEvaluation> EvaluateAsync(SearchResults results, FrontPoint point)
    {
        var spec = results.Spec!;
        var knobs = new Dictionary<string, object>(spec.Training.ToDictionary(p => p.Key, p => ExportedModel.Plain(p.Value)), StringComparer.Ordinal);
        foreach (var (name, value) in point.Trial.Parameters)
        {
            knobs[name] = value;
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"hypersearch-front-{results.SearchId}-{point.Trial.Number}-{Guid.NewGuid():N}");
        try
        {
            var dataset = Runners.DatasetLocation.OptionsFor(spec.Dataset, null);
            return await Task.Run(() =>
            {
                ModelExport.Export(results.CheckpointDirectoryOf(point.Trial.Number), knobs, dataset, scratch, results.SearchId, point.Trial.Number,
                    point.Trial.Epochs.LastOrDefault()?.Get(Contracts.Trials.EpochMetrics.ValAccuracy));
                return ModelExport.Evaluate(scratch, dataset, spec.Dataset.AllowDistributionShift);
            });
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 1000 ? value.ToString("#,0", CultureInfo.InvariantCulture) : value.ToString("0.####", CultureInfo.InvariantCulture);
}
