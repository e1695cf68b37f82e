using System.Globalization;
using System.Text;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Reports;

/// <summary>`search export`: every trial with its parameters, state, per-epoch metrics and timings, as CSV or JSON.</summary>
internal static class TrialExport
{
    private static readonly string[] Metrics =
    [
        EpochMetrics.TrainLoss, EpochMetrics.TrainAccuracy, EpochMetrics.ValLoss, EpochMetrics.ValAccuracy,
        EpochMetrics.EpochSeconds, EpochMetrics.ImagesPerSecond,
    ];

    /// <summary>One row per trial and epoch (a trial with no epoch gets one row with empty metrics); parameters as param_NAME columns.</summary>
    public static string Csv(SearchResults results)
    {
        var parameterNames = results.Trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var extraMetrics = results.Trials.SelectMany(t => t.Epochs).SelectMany(e => e.Values.Keys).Distinct()
            .Where(k => !Metrics.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var header = new[] { "search_id", "trial", "state", "attempt", "objective", "parameter_count", "worker", "started_at", "ended_at", "duration_seconds", "failure_reason" }
            .Concat(parameterNames.Select(n => $"param_{n}"))
            .Append("epoch")
            .Concat(Metrics).Concat(extraMetrics).Concat(LineageExport.CsvColumns);
        var sb = new StringBuilder();
        sb.Append(string.Join(',', header.Select(Quote))).Append('\n');
        foreach (var trial in results.Trials.OrderBy(t => t.Number))
        {
            var fixedCells = new[]
            {
                results.SearchId, Invariant(trial.Number), State(trial.State), Invariant(trial.Attempt), RoundTrip(trial.Objective), trial.ParameterCount?.ToString(CultureInfo.InvariantCulture) ?? "",
                trial.Worker ?? "", trial.StartedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", trial.EndedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "",
                RoundTrip(Duration(trial)), trial.FailureReason ?? "",
            }.Concat(parameterNames.Select(n => trial.Parameters.TryGetValue(n, out var v) ? ResultPrinter.FormatValue(v) : "")).ToList();
            var epochs = trial.Epochs.Count > 0 ? trial.Epochs.Cast<EpochMetrics?>() : [null];
            foreach (var epoch in epochs)
            {
                var cells = fixedCells.Append(epoch is null ? "" : Invariant(epoch.Epoch))
                    .Concat(Metrics.Concat(extraMetrics).Select(m => RoundTrip(epoch?.Get(m))))
                    .Concat(LineageExport.CsvCells(trial, epoch?.Epoch));
                sb.Append(string.Join(',', cells.Select(Quote))).Append('\n');
            }
        }

        return sb.ToString();
    }

    public static string JsonDocument(SearchResults results) => JsonSerializer.Serialize(new
    {
        search_id = results.SearchId,
        name = results.Name,
        state = results.State,
        stop_reason = results.StopReason,
        metric = results.Metric,
        maximize = results.Maximize,
        best_trial = results.Best?.Number,
        objectives = results.Spec?.Search.Objectives?.Select(o => new { metric = o.Metric, mode = o.Maximize ? "max" : "min" }),
        pareto_front = results.Spec?.Search is { IsMultiObjective: true } search ? ParetoFront.Of(results.Trials, search.Objectives!).Select(p => p.Trial.Number) : null,
        test_accuracy = results.TestAccuracy,
        wall_seconds = results.WallSeconds,
        source = results.Source,
        trials = results.Trials.OrderBy(t => t.Number).Select(t => new
        {
            number = t.Number,
            state = State(t.State),
            attempt = t.Attempt,
            parameters = t.Parameters,
            objective = t.Objective,
            parameter_count = t.ParameterCount,
            worker = t.Worker,
            started_at = t.StartedAt,
            ended_at = t.EndedAt,
            duration_seconds = Duration(t),
            training_seconds = t.Epochs.Sum(e => e.Get(EpochMetrics.EpochSeconds) ?? 0),
            failure_reason = t.FailureReason,
            epochs = t.Epochs.Select(e => new Dictionary<string, object>(e.Values.Select(v => KeyValuePair.Create(v.Key, (object)v.Value))) { ["epoch"] = e.Epoch }),
            lineage = LineageExport.Json(t),
        }),
    }, Json.Indented);

    private static double? Duration(TrialRecord t) => t.StartedAt is { } s && t.EndedAt is { } e ? Math.Round((e - s).TotalSeconds, 3) : null;

    private static string State(TrialState state) => state.ToString().ToLowerInvariant();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string RoundTrip(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>RFC 4180: quote fields holding a comma, quote or line break.</summary>
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
}
