namespace HyperSearch.Contracts.Trials;

/// <summary>A running trial as the live view shows it.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.RunningTrial")]
public sealed record RunningTrial(
    [property: Id(0)] int Number,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int MaxEpochs,
    [property: Id(3)] double? TrainAccuracy,
    [property: Id(4)] double? ValAccuracy,
    [property: Id(5)] string? Worker,
    [property: Id(6)] DateTimeOffset? StartedAt);

/// <summary>The best trial so far (by objective; ties go to fewer parameters).</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.BestTrial")]
public sealed record BestTrial(
    [property: Id(0)] int Number,
    [property: Id(1)] IReadOnlyDictionary<string, object> Parameters,
    [property: Id(2)] double Objective,
    [property: Id(3)] double? ValAccuracy,
    [property: Id(4)] long? ParameterCount);

[GenerateSerializer, Immutable, Alias("HyperSearch.SearchStatus")]
public sealed record SearchStatus(
    [property: Id(0)] string SearchId,
    [property: Id(1)] string Name,
    [property: Id(2)] SearchState State,
    [property: Id(3)] string? StopReason,
    [property: Id(4)] IReadOnlyDictionary<TrialState, int> TrialsByState,
    [property: Id(5)] IReadOnlyList<RunningTrial> Running,
    [property: Id(6)] BestTrial? Best,
    [property: Id(7)] TestResult? Test,
    [property: Id(8)] DateTimeOffset StartedAt,
    [property: Id(9)] DateTimeOffset? EndedAt,
    [property: Id(10)] int MaxTrials,
    [property: Id(11)] int EpochsTrained,
    [property: Id(12)] string Metric,
    [property: Id(13)] bool Maximize)
{
    public double WallSeconds => ((EndedAt ?? DateTimeOffset.UtcNow) - StartedAt).TotalSeconds;

    public int Count(TrialState state) => TrialsByState.TryGetValue(state, out var n) ? n : 0;
}

/// <summary>One line of `hypersearch search list`.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.SearchSummary")]
public sealed record SearchSummary(
    [property: Id(0)] string SearchId,
    [property: Id(1)] string Name,
    [property: Id(2)] SearchState State,
    [property: Id(3)] DateTimeOffset StartedAt);
