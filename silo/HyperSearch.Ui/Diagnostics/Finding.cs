namespace HyperSearch.Diagnostics;

public enum FindingSeverity
{
    Info,
    Warning,
    Problem,
}

/// <summary>One thing a person should know about a trial or a whole search, with what to do about it.</summary>
/// <param name="Kind">A stable name: overfitting, divergence, preprocessing_mismatch, near_chance, not_learning, all_failed,
/// non_finite_objective, metric_not_reported.</param>
/// <param name="Trial">The trial it is about; null for the whole search.</param>
/// <param name="Epoch">The epoch where it starts, when there is one.</param>
public sealed record Finding(string Kind, FindingSeverity Severity, int? Trial, int? Epoch, string Message, string Suggestion)
{
    public const string Overfitting = "overfitting";
    public const string Divergence = "divergence";
    public const string PreprocessingMismatch = "preprocessing_mismatch";
    public const string NearChance = "near_chance";
    public const string NotLearning = "not_learning";
    public const string AllFailed = "all_failed";
    public const string NonFiniteObjective = "non_finite_objective";
    public const string MetricNotReported = "metric_not_reported";
}
