using HyperSearch.Tuning;

namespace HyperSearch.Grains.Search;

/// <summary>How a multi-objective search's trials reach the algorithms: one objective vector per epoch, and one
/// direction per objective, so samplers and schedulers rank by non-dominated rank.</summary>
internal static class MultiObjectiveViews
{
    /// <summary>The directions of a multi-objective search; null for a single-objective one.</summary>
    public static IReadOnlyList<Direction>? Directions(SearchSettings settings) =>
        settings.IsMultiObjective
            ? settings.Objectives!.Select(o => o.Maximize ? Direction.Maximize : Direction.Minimize).ToArray()
            : null;

    /// <summary>Each epoch's objective vector (NaN where a metric is missing: the worst value).</summary>
    public static IReadOnlyList<IReadOnlyList<double>> Curve(IReadOnlyList<EpochMetrics> epochs, IReadOnlyList<ObjectiveSpec> objectives) =>
        epochs.Select(e => (IReadOnlyList<double>)objectives.Select(o => e.Get(o.Metric) ?? double.NaN).ToArray()).ToArray();

    /// <summary>Why a finished trial cannot join the Pareto front: an objective after the first was not reported or
    /// is not finite (the first is checked as the single-objective metric is).</summary>
    public static string? UnusableObjective(TrialEntry trial, SearchSettings settings)
    {
        if (!settings.IsMultiObjective || trial.Epochs.Count == 0)
        {
            return null;
        }

        var last = trial.Epochs[^1];
        foreach (var objective in settings.Objectives!.Skip(1))
        {
            if (last.Get(objective.Metric) is not { } value)
            {
                return $"objective '{objective.Metric}' was never reported (epoch {last.Epoch})";
            }

            if (!double.IsFinite(value))
            {
                return $"objective {objective.Metric} is {value} at epoch {last.Epoch}";
            }
        }

        return null;
    }
}
