using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.MultiObjective;

/// <summary>A trial's objectives as a score vector (every component higher-is-better), in single- and multi-objective
/// studies alike, so the multi-objective algorithms are written once.</summary>
public static class ObjectiveScores
{
    /// <summary>The score vector of <paramref name="trial"/> after <paramref name="resource"/> units, or null if it has
    /// not got there (or lacks a value for an objective).</summary>
    public static double[]? ScoresAt(this StudyView study, TrialView trial, int resource)
    {
        if (!study.IsMultiObjective)
        {
            return study.ScoreAt(trial, resource) is { } single ? [single] : null;
        }

        var directions = study.Directions!;
        if (resource < 1 || trial.ObjectiveCurve is not { } curve || curve.Count < resource || curve[resource - 1].Count != directions.Count)
        {
            return null;
        }

        var values = curve[resource - 1];
        var scores = new double[directions.Count];
        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] = directions[k].Score(values[k]);
        }

        return scores;
    }

    /// <summary>The resource of the trial's last objective vector (0 when it has none).</summary>
    public static int Reached(this StudyView study, TrialView trial) =>
        study.IsMultiObjective ? trial.ObjectiveCurve?.Count ?? 0 : trial.Curve.Count;
}
