using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Grains;

/// <summary>One training slot (not one trial), on the slot's silo; key: the slot's worker name. Runs one attempt of
/// one trial per call, one after another.</summary>
// The wire alias is the one it had as ITrialGrain, so silos of either version can share a cluster during a rolling update.
[Alias("HyperSearch.ITrialGrain")]
public interface ITrainingSlotGrain : IGrainWithStringKey
{
    /// <summary>Trains (or evaluates) to a terminal state; reports epochs to the coordinator on the way. With a
    /// <paramref name="worker"/>, the final report also leases that slot's next work, returned in the result.</summary>
    [Alias("Run"), ResponseTimeout("7.00:00:00")]
    Task<TrialRunResult> RunAsync(WorkItem work, string? worker);

    /// <summary>Asks the attempt holding <paramref name="leaseToken"/>, if this slot is still running it, to stop within one batch.</summary>
    [Alias("Cancel"), AlwaysInterleave]
    Task CancelAsync(string searchId, int trialNumber, int leaseToken);

    /// <summary>Does nothing but activate the slot's grain. The slot calls it once when its silo starts, while the
    /// cluster is healthy: a first activation registers in the grain directory, whose partition for this key may be
    /// on another silo, and a paused silo there would hold the slot's first attempt until it runs again.</summary>
    [Alias("WarmUp"), AlwaysInterleave]
    Task WarmUpAsync();
}

/// <param name="Receipt">Set when the outcome was handed over by <c>CompleteAndLease</c>: acknowledged, maybe not yet
/// stored. The slot keeps the outcome until a later receipt shows it stored, or confirms it with <c>Complete</c>.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrialRunResult")]
public sealed record TrialRunResult(
    [property: Id(0)] TrialOutcomeReport Outcome,
    [property: Id(1)] WorkItem? Next,
    [property: Id(2)] CompletionReceipt? Receipt = null);
