using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Output;

/// <summary>The one-object summary `run --json` prints last and run directories keep as summary.json.</summary>
internal sealed record SearchSummaryJson(
    string SearchId,
    string Name,
    string State,
    string? StopReason,
    IReadOnlyDictionary<string, int> Trials,
    IReadOnlyDictionary<string, object>? BestConfig,
    int? BestTrial,
    double? BestValAccuracy,
    double? TestAccuracy,
    double WallSeconds,
    int EpochsTrained,
    string? RunDir,
    IReadOnlyList<string>? Warnings = null)
{
    /// <summary>Never claims a best for a search that did not complete: a failed or cancelled search's leader is not a result.</summary>
    public static SearchSummaryJson From(SearchStatus status, string? runDir, IReadOnlyList<string>? warnings = null) => new(
        status.SearchId,
        status.Name,
        status.State.ToString().ToLowerInvariant(),
        status.StopReason,
        Enum.GetValues<TrialState>().ToDictionary(s => s.ToString().ToLowerInvariant(), status.Count),
        Claimed(status)?.Parameters,
        Claimed(status)?.Number,
        Claimed(status)?.ValAccuracy,
        status.Test?.TestAccuracy,
        Math.Round(status.WallSeconds, 2),
        status.EpochsTrained,
        runDir,
        warnings is { Count: > 0 } ? warnings : null);

    private static BestTrial? Claimed(SearchStatus status) => status.State == SearchState.Failed ? null : status.Best;
}
