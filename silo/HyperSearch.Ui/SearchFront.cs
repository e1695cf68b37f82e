using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Tuning.MultiObjective;

namespace HyperSearch.Ui;

/// <summary>One completed trial placed in a multi-objective search's objective space.</summary>
public sealed record PlacedTrial(TrialRecord Trial, IReadOnlyDictionary<string, double> Values, bool OnFront);

/// <summary>Where a multi-objective search's completed trials lie and which form the Pareto front: the one computation
/// behind the UI's front, the CLI's status/best/export and the report.</summary>
public static class SearchFront
{
    /// <summary>Completed trials with a finite last-epoch value for every objective (others cannot be placed), in trial
    /// order; <see cref="PlacedTrial.OnFront"/> when no other placed trial dominates it.</summary>
    public static IReadOnlyList<PlacedTrial> Place(IReadOnlyList<TrialRecord> trials, IReadOnlyList<ObjectiveSpec> objectives)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(objectives);
        var placed = new List<(TrialRecord Trial, double[] Values)>();
        foreach (var trial in trials.Where(t => t.State == TrialState.Completed && t.Epochs.Count > 0).OrderBy(t => t.Number))
        {
            var values = objectives.Select(o => trial.Epochs[^1].Get(o.Metric) ?? double.NaN).ToArray();
            if (values.All(double.IsFinite))
            {
                placed.Add((trial, values));
            }
        }

        // Pareto works on maximized scores.
        var scores = placed.Select(p => (IReadOnlyList<double>)p.Values.Select((v, k) => objectives[k].Maximize ? v : -v).ToArray()).ToArray();
        var front = Pareto.Front(scores).ToHashSet();
        return placed.Select((p, i) => new PlacedTrial(p.Trial,
            objectives.Select((o, k) => KeyValuePair.Create(o.Metric, p.Values[k])).ToDictionary(StringComparer.Ordinal), front.Contains(i))).ToList();
    }
}
