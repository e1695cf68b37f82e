using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Grains;

/// <summary>Runs one attempt of one trial on the silo of the slot that leased it; key "{searchId}/{trial}/{attempt}".</summary>
[Alias("HyperSearch.ITrialGrain")]
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>Trains (or evaluates) to a terminal state; reports epochs to the coordinator on the way. With a
    /// <paramref name="worker"/>, the final report also leases that slot's next work, returned in the result.</summary>
    [Alias("Run"), ResponseTimeout("7.00:00:00")]
    Task<TrialRunResult> RunAsync(WorkItem work, string? worker);

    /// <summary>Asks the attempt to stop within one batch.</summary>
    [Alias("Cancel"), AlwaysInterleave]
    Task CancelAsync();
}

[GenerateSerializer, Immutable, Alias("HyperSearch.TrialRunResult")]
public sealed record TrialRunResult(
    [property: Id(0)] TrialOutcomeReport Outcome,
    [property: Id(1)] WorkItem? Next);
