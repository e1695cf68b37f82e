using System.Text.Json;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>The warm-start trials as the sampler sees them: finished trials numbered -N…-1, before every trial of this
/// search (so no number collides and no sampler ever re-suggests one as "its own").</summary>
internal static class WarmStartViews
{
    public static IReadOnlyList<TrialView> Build(SearchSpec spec, SearchSpace space)
    {
        if (spec.Search.WarmStart is not { Trials.Count: > 0 } warm)
        {
            return [];
        }

        var objectives = spec.Search.IsMultiObjective ? spec.Search.Objectives : null;
        var views = new List<TrialView>();
        var count = warm.Trials.Count;
        for (var i = 0; i < count; i++)
        {
            var trial = warm.Trials[i];
            // Checked again here: the coordinator does not take a client's word that the spaces agree.
            if (trial.State is not (TrialState.Completed or TrialState.Pruned) || space.Conform(Plain(trial.Parameters)) is not { } parameters)
            {
                continue;
            }

            views.Add(new TrialView(i - count, parameters, SpaceMapping.ToStatus(trial.State),
                trial.Epochs.Select(e => e.Get(spec.Search.Metric) ?? double.NaN).ToArray())
            {
                ObjectiveCurve = objectives is null ? null : MultiObjectiveViews.Curve(trial.Epochs, objectives),
            });
        }

        return views;
    }

    /// <summary>Values restored from JSON state come back as JsonElement.</summary>
    private static Dictionary<string, object> Plain(IReadOnlyDictionary<string, object> values) =>
        values.ToDictionary(p => p.Key, p => p.Value switch
        {
            JsonElement { ValueKind: JsonValueKind.Number } e => e.TryGetInt64(out var l) ? l : (object)e.GetDouble(),
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
            var other => other,
        }, StringComparer.Ordinal);
}
