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

    /// <summary>Reopens a cancelled search: its cancelled trials are queued again under the same numbers and resume
    /// from their checkpoints. Returns false (and changes nothing) when the search is not cancelled.</summary>
    [Alias("Resume")]
    Task<bool> ResumeAsync();

    /// <summary>Hands the next unit of work to a free training slot, or null when there is none now.</summary>
    [Alias("Lease")]
    Task<WorkItem?> LeaseAsync(string worker);

    /// <summary>Renews a lease between epoch reports; false when <paramref name="leaseToken"/> is fenced off.</summary>
    [Alias("Heartbeat")]
    Task<bool> HeartbeatAsync(int trialNumber, int leaseToken);

    [Alias("ReportEpoch")]
    Task<EpochDecision> ReportEpochAsync(int trialNumber, int leaseToken, EpochMetrics metrics);

    /// <summary>Several attempts' epoch reports in one call (a silo batches those that wait for the same coordinator);
    /// each is fenced and decided as by <see cref="ReportEpochAsync"/>, and the decisions come back in order.</summary>
    [Alias("ReportEpochs")]
    Task<IReadOnlyList<EpochDecision>> ReportEpochsAsync(IReadOnlyList<TrialEpochReport> reports);

    /// <summary>Ends an attempt and returns once that is durable. Idempotent: true again for the attempt that ended the
    /// trial (this is how a slot confirms an outcome it handed over with <see cref="CompleteAndLeaseAsync"/>); false when it is fenced off or
    /// another attempt ended the trial.</summary>
    [Alias("Complete")]
    Task<bool> CompleteAsync(int trialNumber, int leaseToken, TrialOutcomeReport outcome);

    /// <summary>Ends an attempt and, in the same turn, leases the slot its next work: one round trip between trials.
    /// Returns before the completion is stored, so the slot does not wait for storage; the receipt says when it is
    /// (see <see cref="CompletionReceipt"/>). Until then the slot keeps the outcome, to redeliver it with
    /// <see cref="CompleteAsync"/> if this coordinator dies meanwhile.</summary>
    [Alias("CompleteAndLease")]
    Task<CompletionReceipt> CompleteAndLeaseAsync(int trialNumber, int leaseToken, TrialOutcomeReport outcome, string worker);

    /// <summary>Gives a running trial back (e.g. its silo is shutting down) so another slot resumes it.</summary>
    [Alias("Release")]
    Task ReleaseAsync(int trialNumber, int leaseToken);

    [Alias("ReportTest")]
    Task ReportTestAsync(int trialNumber, int leaseToken, TestResult? result, string? failureReason);

    /// <summary>The registry's new fair-share limit for this search (null: none), sent when it changes, so that a search
    /// over its share hands a slot on at its next trial end instead of after its next demand report.</summary>
    [Alias("ShareLimit"), Orleans.Concurrency.OneWay]
    Task SetShareLimitAsync(int? limit);
}

/// <summary>A coordinator's answer to <c>CompleteAndLease</c>. Every change a coordinator activation makes gets the
/// next <paramref name="Sequence"/>; all changes up to <paramref name="StoredThrough"/> are in storage. A later receipt of
/// the same <paramref name="Generation"/> whose <paramref name="StoredThrough"/> reaches an outcome's sequence shows
/// that outcome stored; a receipt of another generation means the coordinator restarted and may have lost it.
/// <paramref name="Accepted"/>: the outcome is the trial's (false: the attempt was fenced off, its result dropped).</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.CompletionReceipt")]
public sealed record CompletionReceipt(
    [property: Id(0)] WorkItem? Next,
    [property: Id(1)] int Generation,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long StoredThrough,
    [property: Id(4)] bool Accepted = true);
