namespace HyperSearch.Tuning.Support;

/// <summary>Turns objective values into "higher is better" scores so every algorithm is written once.</summary>
public static class Scoring
{
    /// <summary>The value as a score: itself when maximizing, negated when minimizing; NaN becomes -∞ (worst).</summary>
    public static double Score(this Direction direction, double value) =>
        double.IsNaN(value) ? double.NegativeInfinity : direction == Direction.Maximize ? value : -value;

    /// <summary>The score of <paramref name="trial"/> after <paramref name="resource"/> units, or null if it has not got there.</summary>
    public static double? ScoreAt(this StudyView study, TrialView trial, int resource) =>
        resource >= 1 && trial.Curve.Count >= resource ? study.Direction.Score(trial.Curve[resource - 1]) : null;
}
