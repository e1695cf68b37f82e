using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Slots;

namespace HyperSearch.Grains.Tests.Slots;

public sealed class PendingOutcomesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
    private static readonly TrialOutcomeReport Done = new(TrialState.Completed, null, 10);
    private readonly PendingOutcomes _pending = new(TimeSpan.FromSeconds(1));

    [Fact]
    public void A_later_receipt_that_is_stored_through_an_outcome_settles_it()
    {
        _pending.Add(Work("s", 0), Done, new CompletionReceipt(null, 1, Sequence: 5, StoredThrough: 3), T0);
        Assert.Equal(1, _pending.Count);

        _pending.Add(Work("s", 1), Done, new CompletionReceipt(null, 1, Sequence: 9, StoredThrough: 6), T0);
        Assert.Equal(1, _pending.Count);
        Assert.Empty(_pending.TakeDue("s", new CompletionReceipt(null, 1, 9, 6), T0));
        Assert.Equal(1, Assert.Single(_pending.TakeAll()).TrialNumber);
    }

    [Fact]
    public void A_receipt_from_a_restarted_coordinator_makes_older_outcomes_due()
    {
        _pending.Add(Work("s", 0), Done, new CompletionReceipt(null, 1, 5, 3), T0);
        var restarted = new CompletionReceipt(null, Generation: 2, Sequence: 2, StoredThrough: 40);
        _pending.Add(Work("s", 1), Done, restarted, T0);

        // Stored-through numbers of generation 2 say nothing about generation 1's changes.
        var due = _pending.TakeDue("s", restarted, T0);
        Assert.Equal(0, Assert.Single(due).TrialNumber);
        Assert.Equal(0, _pending.Count);
    }

    [Fact]
    public void Outcomes_of_another_search_wait_until_they_are_old_enough()
    {
        var receipt = new CompletionReceipt(null, 1, 5, 3);
        _pending.Add(Work("a", 0), Done, receipt, T0);
        _pending.Add(Work("b", 0), Done, new CompletionReceipt(null, 1, 7, 2), T0);

        Assert.Empty(_pending.TakeDue("b", receipt, T0.AddMilliseconds(500)));
        Assert.Equal(2, _pending.TakeDue("b", receipt, T0.AddSeconds(1)).Count);
    }

    private static WorkItem Work(string search, int trial) =>
        new(search, trial, 10_001, WorkKind.Train, new Dictionary<string, object>(), TestSpecs.Make(), "", false);
}
