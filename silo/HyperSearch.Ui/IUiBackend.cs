using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;

namespace HyperSearch.Ui;

/// <summary>Where the UI reads searches from: a cluster (the silo's grains) or run directories on disk
/// (`hypersearch ui`). Operator actions exist only where <see cref="CanOperate"/> is true.</summary>
public interface IUiBackend
{
    /// <summary>Said on every page: "cluster" or the run directory root.</summary>
    string Source { get; }

    bool CanOperate { get; }

    Task<IReadOnlyList<SearchData>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Null when there is no such search.</summary>
    Task<SearchData?> GetAsync(string searchId, CancellationToken cancellationToken);

    /// <summary>Cancels a running search; false when there is no such search.</summary>
    Task<bool> CancelAsync(string searchId);

    /// <summary>Starts a search from a spec's text (YAML or JSON) and returns its id. Throws
    /// <see cref="UiSpecException"/> when the spec is refused.</summary>
    Task<string> StartAsync(string specText, string? searchId);
}

/// <summary>Everything the pages show about one search, from whichever source.</summary>
/// <param name="TimeBudget">The spec's time budget, when it has one (for time left).</param>
/// <param name="CheckpointRoot">The folder holding trial-NNNN checkpoint folders, when this host can see it.</param>
/// <param name="Objectives">A multi-objective search's objectives (two or more); null for one objective.</param>
public sealed record SearchData(
    string SearchId,
    string Name,
    string State,
    string? StopReason,
    string Metric,
    bool Maximize,
    int MaxTrials,
    TimeSpan? TimeBudget,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    int? BestTrial,
    double? TestAccuracy,
    IReadOnlyList<TrialRecord> Trials,
    IReadOnlyList<Finding> Findings,
    string? CheckpointRoot,
    IReadOnlyList<ObjectiveSpec>? Objectives = null)
{
    public bool Finished => State is "completed" or "cancelled" or "failed" or "unknown";
}

/// <summary>A spec refused before anything started: each problem names its field.</summary>
public sealed class UiSpecException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
