using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Grains;

/// <summary>Runs one attempt of one trial on the silo of the slot that leased it; key "{searchId}/{trial}/{attempt}".</summary>
[Alias("HyperSearch.ITrialGrain")]
public interface ITrialGrain : IGrainWithStringKey
{
    /// <summary>Trains (or evaluates) to a terminal state; reports epochs to the coordinator on the way.</summary>
    [Alias("Run"), ResponseTimeout("7.00:00:00")]
    Task<TrialOutcomeReport> RunAsync(WorkItem work);

    /// <summary>Asks the attempt to stop within one batch.</summary>
    [Alias("Cancel"), AlwaysInterleave]
    Task CancelAsync();
}
