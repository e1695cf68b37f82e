using HyperSearch.Contracts.Trials;

namespace HyperSearch.Diagnostics;

/// <summary>Whole-search findings about how trials ended: nothing completed, objectives that are not numbers, an
/// objective no trial reported (usually a typo in search.metric).</summary>
internal static class OutcomeChecks
{
    public static IEnumerable<Finding> Check(IReadOnlyList<TrialRecord> trials, string? metric)
    {
        var ended = trials.Where(t => t.State.IsTerminal()).ToList();
        var failed = ended.Where(t => t.State == TrialState.Failed).ToList();
        if (ended.Count > 0 && !ended.Any(t => t.State == TrialState.Completed) && failed.Count > 0)
        {
            var reasons = failed.GroupBy(t => TrialDiagnostics.IsMismatch(t.FailureReason) ? "the data's splits are preprocessed differently" : FirstLine(t.FailureReason))
                .OrderByDescending(g => g.Count())
                .Select(g => $"{g.Count()}× {g.Key}")
                .Take(3);
            yield return new Finding(Finding.AllFailed, FindingSeverity.Problem, null, null,
                $"no trial completed: {failed.Count} of {ended.Count} ended trials failed ({string.Join("; ", reasons)})",
                "Fix the cause of the first failure (see `hypersearch search trials ID` or trials.json for the full reasons) and rerun; the search has no result.");
        }

        var nonFinite = trials.Where(t => t.Epochs.Count > 0 && metric is not null && t.Epochs[^1].Get(metric) is { } v && !double.IsFinite(v)
                                          || t.Objective is { } o && !double.IsFinite(o)
                                          || (t.FailureReason?.Contains("objective", StringComparison.Ordinal) == true && t.FailureReason.Contains("diverged", StringComparison.Ordinal)))
            .Select(t => t.Number).ToList();
        if (nonFinite.Count > 0)
        {
            yield return new Finding(Finding.NonFiniteObjective, FindingSeverity.Problem, null, null,
                $"{nonFinite.Count} trial(s) ended with a NaN or infinite {metric ?? "objective"} (trial(s) {string.Join(", ", nonFinite.Take(10))}); such trials count as failed, never as completed",
                "The model diverged: lower the learning rate, add batch norm, or check the data for NaN; a command trial must print finite metric values.");
        }

        var reported = trials.SelectMany(t => t.Epochs).SelectMany(e => e.Values.Keys).ToHashSet(StringComparer.Ordinal);
        if (metric is not null && reported.Count > 0 && !reported.Contains(metric))
        {
            yield return new Finding(Finding.MetricNotReported, FindingSeverity.Problem, null, null,
                $"no trial reported the objective '{metric}' (reported: {string.Join(", ", reported.Order(StringComparer.Ordinal))})",
                "Set search.metric to one of the reported names (a typo?), or make the trainer report it.");
        }
    }

    /// <summary>A multi-line reason (a stderr tail) shortened to its first line, as the CLI prints it.</summary>
    private static string FirstLine(string? reason)
    {
        var text = reason ?? "unknown reason";
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end].TrimEnd() + " …";
    }
}
