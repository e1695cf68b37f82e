using YamlDotNet.RepresentationModel;

namespace HyperSearch.Specs;

/// <summary>search.objectives: a Pareto search over two or more epoch metrics.</summary>
public sealed partial class SpecParser
{
    private static readonly string[] ObjectiveKeys = ["metric", "mode"];

    /// <summary>What the built-in trainer reports every epoch, and so what its objectives may name.</summary>
    public static IReadOnlyList<string> BuiltInMetrics { get; } =
    [
        EpochMetrics.ValAccuracy, EpochMetrics.ValLoss, EpochMetrics.TrainAccuracy, EpochMetrics.TrainLoss,
        EpochMetrics.Params, EpochMetrics.EpochSeconds, EpochMetrics.InferenceMsPerImage, EpochMetrics.ImagesPerSecond,
    ];

    /// <summary>Samplers and schedulers that understand objective vectors.</summary>
    private static readonly string[] ParetoSamplers = ["nsga2", "motpe", "random", "grid"];
    private static readonly string[] ParetoSchedulers = ["none", "asha", "hyperband"];

    /// <summary>Each entry {metric, mode}; mode defaults to max for accuracies and throughput, min for everything else.</summary>
    private List<ObjectiveSpec>? ParseObjectives(YamlNode node)
    {
        const string path = "search.objectives";
        if (node is not YamlSequenceNode { Children.Count: > 0 } list)
        {
            Error(path, LineOf(node), "expected a list of {metric, mode}, e.g. [{metric: val_accuracy, mode: max}, {metric: params, mode: min}]");
            return null;
        }

        var objectives = new List<ObjectiveSpec>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            var field = $"{path}[{i}]";
            _lines[field] = LineOf(list.Children[i]);
            var entry = Fields(list.Children[i], field, ObjectiveKeys);
            if (!entry.TryGetValue("metric", out var metricNode))
            {
                Missing<string>($"{field}.metric", list.Children[i]);
                continue;
            }

            _lines[$"{field}.metric"] = LineOf(metricNode);
            if (String(metricNode, $"{field}.metric") is not { Length: > 0 } metric)
            {
                continue;
            }

            var maximize = DefaultMaximize(metric);
            if (entry.TryGetValue("mode", out var modeNode))
            {
                switch (String(modeNode, $"{field}.mode"))
                {
                    case "max":
                        maximize = true;
                        break;
                    case "min":
                        maximize = false;
                        break;
                    case { } other:
                        Error($"{field}.mode", LineOf(modeNode), $"must be max or min, got '{other}'");
                        break;
                }
            }

            if (objectives.Any(o => o.Metric == metric))
            {
                Error($"{field}.metric", LineOf(metricNode), $"'{metric}' is already an objective");
            }

            objectives.Add(new ObjectiveSpec(metric, maximize));
        }

        return objectives;
    }

    /// <summary>Cross-field rules, once the trainer and the algorithms are known.</summary>
    private void CheckObjectives(SearchSettings search, TrainerSpec? trainer, bool metricGiven)
    {
        if (search.Objectives is not { } objectives)
        {
            return;
        }

        if (metricGiven)
        {
            Error("search.objectives", Line("search.objectives"), "give either search.metric/mode or search.objectives, not both");
        }

        if (trainer is { IsCommand: false })
        {
            for (var i = 0; i < objectives.Count; i++)
            {
                if (!BuiltInMetrics.Contains(objectives[i].Metric))
                {
                    Error($"search.objectives[{i}].metric", Line($"search.objectives[{i}].metric"),
                        $"unknown metric '{objectives[i].Metric}' (the built-in trainer reports: {string.Join(", ", BuiltInMetrics)})");
                }
            }
        }

        if (objectives.Count > 1 && !ParetoSamplers.Contains(search.Sampler))
        {
            Error("search.sampler", Line("search.sampler") ?? Line("search.objectives"),
                $"sampler '{search.Sampler}' optimizes one objective; with several objectives use one of: {string.Join(", ", ParetoSamplers)}");
        }

        if (objectives.Count > 1 && !ParetoSchedulers.Contains(search.Scheduler))
        {
            Error("search.scheduler", Line("search.scheduler") ?? Line("search.objectives"),
                $"scheduler '{search.Scheduler}' judges one objective; with several objectives use one of: {string.Join(", ", ParetoSchedulers)}");
        }
    }

    private static bool DefaultMaximize(string metric) =>
        metric.EndsWith("accuracy", StringComparison.Ordinal) || metric == EpochMetrics.ImagesPerSecond;
}
