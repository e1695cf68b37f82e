namespace HyperSearch.Grains.Slots;

/// <summary>Outcomes a slot handed to a coordinator with <c>CompleteAndLease</c> that are not yet known to be stored.
/// Later receipts from the same coordinator settle them at no cost; what they cannot settle (the coordinator
/// restarted, the slot moved on to another search, or too long passed) is handed back for explicit confirmation.</summary>
/// <remarks>Used by one slot loop only: not thread-safe.</remarks>
public sealed class PendingOutcomes(TimeSpan confirmAfter)
{
    private readonly List<PendingOutcome> _items = [];

    public int Count => _items.Count;

    /// <summary>Keeps an outcome just handed over, then settles everything the receipt shows stored.</summary>
    public void Add(WorkItem work, TrialOutcomeReport outcome, CompletionReceipt receipt, DateTimeOffset now)
    {
        _items.Add(new PendingOutcome(work.SearchId, work.TrialNumber, work.LeaseToken, outcome, receipt.Generation, receipt.Sequence, now));
        _items.RemoveAll(p => p.SearchId == work.SearchId && p.Generation == receipt.Generation && p.Sequence <= receipt.StoredThrough);
    }

    /// <summary>Takes the outcomes that need an explicit confirmation now: given to an earlier generation of a
    /// coordinator that has since restarted (it may have lost them), or pending longer than the confirmation delay.</summary>
    public IReadOnlyList<PendingOutcome> TakeDue(string searchId, CompletionReceipt latest, DateTimeOffset now) =>
        Take(p => (p.SearchId == searchId && p.Generation != latest.Generation) || now - p.HandedOverAt >= confirmAfter);

    public IReadOnlyList<PendingOutcome> TakeAll() => Take(_ => true);

    private List<PendingOutcome> Take(Predicate<PendingOutcome> due)
    {
        var taken = _items.FindAll(due);
        _items.RemoveAll(due);
        return taken;
    }
}

public sealed record PendingOutcome(
    string SearchId,
    int TrialNumber,
    int LeaseToken,
    TrialOutcomeReport Outcome,
    int Generation,
    long Sequence,
    DateTimeOffset HandedOverAt);
