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
    string? RunDir)
{
    public static SearchSummaryJson From(SearchStatus status, string? runDir) => new(
        status.SearchId,
        status.Name,
        status.State.ToString().ToLowerInvariant(),
        status.StopReason,
        Enum.GetValues<TrialState>().ToDictionary(s => s.ToString().ToLowerInvariant(), status.Count),
        status.Best?.Parameters,
        status.Best?.Number,
        status.Best?.ValAccuracy,
        status.Test?.TestAccuracy,
        Math.Round(status.WallSeconds, 2),
        status.EpochsTrained,
        runDir);
}
