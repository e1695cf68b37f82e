using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning;

public enum TrialStatus
{
    Waiting,
    Running,
    Completed,
    Pruned,
    Failed,
    Cancelled,
}

public enum Direction
{
    Maximize,
    Minimize,
}

/// <summary>A read-only view of one trial as the algorithms see it.</summary>
/// <param name="Number">0-based trial number, in order of suggestion.</param>
/// <param name="Parameters">The configuration the sampler suggested.</param>
/// <param name="Status">Where the trial is in its lifecycle.</param>
/// <param name="Curve">The objective after each unit of resource (index 0 = after resource 1, i.e. epoch 1).</param>
public sealed record TrialView(int Number, ParameterSet Parameters, TrialStatus Status, IReadOnlyList<double> Curve)
{
    /// <summary>The last reported objective value, if any.</summary>
    public double? Last => Curve.Count > 0 ? Curve[^1] : null;

    public bool IsFinished => Status is TrialStatus.Completed or TrialStatus.Pruned or TrialStatus.Failed or TrialStatus.Cancelled;

    /// <summary>Multi-objective studies only: every objective after each unit of resource (index i = after resource
    /// i+1), in the order of <see cref="StudyView.Directions"/>. <see cref="Curve"/> holds the first objective.</summary>
    public IReadOnlyList<IReadOnlyList<double>>? ObjectiveCurve { get; init; }
}

/// <summary>Everything a sampler or scheduler may read: the study so far.</summary>
/// <param name="Space">The search space.</param>
/// <param name="Trials">Every trial so far (finished, running and waiting), ordered by number.</param>
/// <param name="Direction">Whether a higher objective is better.</param>
/// <param name="Seed">The search seed; algorithms derive all randomness from it and the trial number.</param>
/// <param name="MaxResource">The most resource (epochs) a trial may use.</param>
public sealed record StudyView(SearchSpace Space, IReadOnlyList<TrialView> Trials, Direction Direction, int Seed, int MaxResource)
{
    /// <summary>Optional: the keys of every configuration in <see cref="Trials"/>, kept by a caller that already
    /// indexes them, so a suggestion does not rebuild the set from the whole study (quadratic over a long search).</summary>
    public IReadOnlySet<string>? TakenKeys { get; init; }

    /// <summary>Multi-objective studies only: the direction of each objective (two or more); null when the study has one
    /// objective, whose direction is <see cref="Direction"/>.</summary>
    public IReadOnlyList<Direction>? Directions { get; init; }

    /// <summary>True when trials carry objective vectors (<see cref="TrialView.ObjectiveCurve"/>).</summary>
    public bool IsMultiObjective => Directions is { Count: > 1 };
}
