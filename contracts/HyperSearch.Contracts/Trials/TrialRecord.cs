namespace HyperSearch.Contracts.Trials;

/// <summary>A snapshot of one trial for clients: configuration, state and every epoch's metrics.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrialRecord")]
public sealed record TrialRecord(
    [property: Id(0)] int Number,
    [property: Id(1)] IReadOnlyDictionary<string, object> Parameters,
    [property: Id(2)] TrialState State,
    [property: Id(3)] int Attempt,
    [property: Id(4)] IReadOnlyList<EpochMetrics> Epochs,
    [property: Id(5)] string? FailureReason,
    [property: Id(6)] long? ParameterCount,
    [property: Id(7)] string? Worker,
    [property: Id(8)] DateTimeOffset? StartedAt,
    [property: Id(9)] DateTimeOffset? EndedAt,
    [property: Id(10)] double? Objective,
    [property: Id(11)] IReadOnlyList<LineageEntry>? Lineage = null,
    [property: Id(12)] IReadOnlyList<TrialAttempt>? Attempts = null,
    [property: Id(13)] string? StderrTail = null);

/// <summary>One lease of a trial: which slot held it, from when, and how it ended (null while it runs).</summary>
/// <param name="Ending">completed, failed, pruned or cancelled when the attempt ended the trial; otherwise why the trial
/// left it: "released" (its silo shut down), "lease expired" (silent, or its silo declared dead) or, under Population
/// Based Training, "paused at an interval".</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrialAttempt")]
public sealed record TrialAttempt(
    [property: Id(0)] int LeaseToken,
    [property: Id(1)] string Worker,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset? EndedAt = null,
    [property: Id(4)] string? Ending = null);

/// <summary>The winner's single evaluation on the test split.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.TestResult")]
public sealed record TestResult(
    [property: Id(0)] double TestAccuracy,
    [property: Id(1)] double TestLoss,
    [property: Id(2)] int Count);

/// <summary>How a trial attempt ended, as its worker reports it.</summary>
/// <param name="Epochs">Every epoch the attempt reported (restored ones included), so the final record is whole even
/// if the coordinator moved while the attempt ran; null when the runner does not know them.</param>
/// <param name="Cloning">When the attempt started from a donor's checkpoint: the hashes it compared.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrialOutcomeReport")]
public sealed record TrialOutcomeReport(
    [property: Id(0)] TrialState State,
    [property: Id(1)] string? FailureReason,
    [property: Id(2)] long? ParameterCount,
    [property: Id(3)] IReadOnlyList<EpochMetrics>? Epochs = null,
    [property: Id(4)] CloneCheck? Cloning = null)
{
    /// <summary>The last lines a command trial wrote to stderr, whatever its outcome; null for in-process runners.</summary>
    [Id(5)] public string? StderrTail { get; init; }
}

/// <summary>One lease holder's report of one epoch (see <c>ISearchGrain.ReportEpochsAsync</c>).</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrialEpochReport")]
public sealed record TrialEpochReport(
    [property: Id(0)] int TrialNumber,
    [property: Id(1)] int LeaseToken,
    [property: Id(2)] EpochMetrics Epoch);

/// <summary>The coordinator's answer to an epoch report.</summary>
public enum EpochDecision
{
    Continue,
    /// <summary>The scheduler pruned the trial: stop and end as Pruned.</summary>
    Stop,
    /// <summary>The search is stopping (cancel, budget, target): stop and end as Cancelled.</summary>
    Cancel,
    /// <summary>This attempt no longer owns the trial (a newer attempt does): stop and report nothing more.</summary>
    Fenced,
    /// <summary>Population Based Training: the trial reached an interval; stop this attempt and report its outcome. The
    /// trial waits for the rest of the population and goes on in a later attempt, perhaps from a donor's checkpoint.</summary>
    Pause,
}
