using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Grains;

/// <summary>The coordinator of one search, keyed by search id.</summary>
[Alias("HyperSearch.ISearchGrain")]
public interface ISearchGrain : IGrainWithStringKey
{
    /// <summary>Starts the search; calling it again with the same spec is a no-op.</summary>
    [Alias("Start")]
    Task StartAsync(SearchSpec spec);

    [Alias("Status")]
    Task<SearchStatus> GetStatusAsync();

    [Alias("Trials")]
    Task<IReadOnlyList<TrialRecord>> GetTrialsAsync();

    [Alias("Spec")]
    Task<SearchSpec?> GetSpecAsync();

    /// <summary>Stops proposing trials, cancels running ones, and ends as Cancelled.</summary>
    [Alias("Cancel")]
    Task CancelAsync();

    /// <summary>Hands the next unit of work to a free training slot, or null when there is none now.</summary>
    [Alias("Lease")]
    Task<WorkItem?> LeaseAsync(string worker);

    /// <summary>Renews a lease between epoch reports; false when the attempt is fenced off.</summary>
    [Alias("Heartbeat")]
    Task<bool> HeartbeatAsync(int trialNumber, int attempt);

    [Alias("ReportEpoch")]
    Task<EpochDecision> ReportEpochAsync(int trialNumber, int attempt, EpochMetrics metrics);

    /// <summary>Ends an attempt. Ignored (false) when the attempt is fenced off or the trial already ended.</summary>
    [Alias("Complete")]
    Task<bool> CompleteAsync(int trialNumber, int attempt, TrialOutcomeReport outcome);

    /// <summary>Ends an attempt and, in the same turn and the same durable write, leases the slot its next work:
    /// one round trip between trials instead of two.</summary>
    [Alias("CompleteAndLease")]
    Task<WorkItem?> CompleteAndLeaseAsync(int trialNumber, int attempt, TrialOutcomeReport outcome, string worker);

    /// <summary>Gives a running trial back (e.g. its silo is shutting down) so another slot resumes it.</summary>
    [Alias("Release")]
    Task ReleaseAsync(int trialNumber, int attempt);

    [Alias("ReportTest")]
    Task ReportTestAsync(int trialNumber, int attempt, TestResult? result, string? failureReason);
}
