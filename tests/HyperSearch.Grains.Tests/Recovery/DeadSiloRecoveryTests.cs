using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Tests.Coordinator;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Recovery;

/// <summary>Recovery from a dead silo is bounded by failure detection, not only by the lease.</summary>
public sealed class DeadSiloRecoveryTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_trial_on_a_silo_declared_dead_is_requeued_at_once_and_others_keep_their_lease()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 3, maxConcurrent: 2));
        var lost = h.Lease(TrainingSlotKeys.ForSlot("Silo_dead", 0))!;
        var alive = h.Lease(TrainingSlotKeys.ForSlot("Silo_live", 0))!;
        h.Now += TimeSpan.FromSeconds(1);

        var requeued = h.Coordinator.ExpireLeases(h.Now, Lease, new HashSet<string> { "Silo_dead" });

        Assert.Equal([lost.TrialNumber], requeued);
        Assert.Equal(TrialState.Running, h.State.Trials[alive.TrialNumber].State);
        var retry = h.Lease(TrainingSlotKeys.ForSlot("Silo_live", 1))!;
        Assert.Equal(lost.TrialNumber, retry.TrialNumber);
        Assert.True(retry.Resume);
        Assert.Equal(EpochDecision.Fenced, h.Report(lost, 1));
    }

    [Fact]
    public void A_silo_name_reused_by_a_live_silo_is_not_dead()
    {
        // The set comes from membership minus live names; a name that is not in it never requeues anything.
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        h.Lease(TrainingSlotKeys.ForSlot("Silo_a", 0));
        Assert.Empty(h.Coordinator.ExpireLeases(h.Now, Lease, new HashSet<string> { "Silo_a/slot0", "Silo_" }));
    }

    [Fact]
    public void An_evaluation_on_a_dead_silo_is_leased_again_once_and_the_first_report_is_refused()
    {
        var h = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1));
        h.Finish(h.Lease()!);
        var first = h.Lease(TrainingSlotKeys.ForSlot("Silo_dead", 0))!;
        Assert.Equal(WorkKind.EvaluateTest, first.Kind);
        Assert.Null(h.Lease(TrainingSlotKeys.ForSlot("Silo_live", 0)));

        h.Coordinator.ExpireLeases(h.Now, Lease, new HashSet<string> { "Silo_dead" });
        var second = h.Lease(TrainingSlotKeys.ForSlot("Silo_live", 0))!;
        Assert.Equal(WorkKind.EvaluateTest, second.Kind);
        Assert.Null(h.Lease(TrainingSlotKeys.ForSlot("Silo_other", 0)));

        h.Coordinator.ReportTest(first.TrialNumber, first.LeaseToken, new TestResult(0.1, 9, 100), null, h.Now);
        Assert.Equal(SearchState.EvaluatingWinner, h.State.State);
        h.Coordinator.ReportTest(second.TrialNumber, second.LeaseToken, new TestResult(0.9, 0.3, 100), null, h.Now);
        Assert.Equal(SearchState.Completed, h.State.State);
        Assert.Equal(0.9, h.State.Test!.TestAccuracy);
    }

    [Fact]
    public void A_new_coordinator_generations_advertisements_outrank_every_earlier_one()
    {
        // A restarted coordinator numbers its advertisements from 1 again; the registry must take them as newer.
        Assert.True(WorkAdvertiser.AdvertisementSequence(2, 1) > WorkAdvertiser.AdvertisementSequence(1, 1_000_000));
        Assert.True(WorkAdvertiser.AdvertisementSequence(1, 2) > WorkAdvertiser.AdvertisementSequence(1, 1));
        Assert.True(WorkAdvertiser.AdvertisementSequence(1, 1) > 0);
    }
}
