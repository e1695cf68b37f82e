using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>Population Based Training in the coordinator: members pause at each interval, the round waits for the
/// whole population, and an exploiting trial's next attempt is pointed at its donor's interval snapshot.</summary>
public sealed class PbtCoordinatorTests
{
    private static SearchSpec Spec(int population = 4, int epochs = 3)
    {
        var spec = TestSpecs.Make(scheduler: "pbt", maxTrials: population, maxConcurrent: population, epochs: epochs);
        return spec with { Search = spec.Search with { SchedulerOptions = new Dictionary<string, object> { ["interval"] = 1L } } };
    }

    private static readonly TrialOutcomeReport Paused = new(TrialState.Pruned, null, 100);

    /// <summary>Leases every member, reports <paramref name="epoch"/> with accuracy rising with the trial number.</summary>
    /// <summary>Every lease the coordinator grants now.</summary>
    private static List<WorkItem> LeaseAll(CoordinatorHarness h)
    {
        var works = new List<WorkItem>();
        while (h.Lease() is { } work)
        {
            works.Add(work);
        }

        return works;
    }

    private static List<WorkItem> LeaseAndReport(CoordinatorHarness h, int epoch)
    {
        var works = LeaseAll(h);

        foreach (var work in works)
        {
            Assert.Equal(EpochDecision.Pause, h.Report(work, epoch, accuracy: 0.1 * (work.TrialNumber + 1) + epoch / 100.0));
        }

        return works;
    }

    [Fact]
    public void The_round_waits_for_the_population_then_the_worst_member_clones_the_best_members_snapshot()
    {
        var h = new CoordinatorHarness(Spec());
        var works = LeaseAndReport(h, epoch: 1);
        Assert.Equal(4, works.Count);

        foreach (var work in works.Take(3))
        {
            Assert.True(h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now));
            Assert.True(h.Coordinator.EndedBy(work.TrialNumber, work.LeaseToken)); // a retried call is answered alike
            Assert.Null(h.Lease()); // paused members wait for the last one
        }

        h.Coordinator.Complete(3, works[3].LeaseToken, Paused, h.Now);

        var next = LeaseAll(h);

        Assert.Equal([0, 1, 2, 3], next.Select(w => w.TrialNumber).Order());
        Assert.False(h.Coordinator.EndedBy(0, works[0].LeaseToken));
        var clone = Assert.Single(next, w => w.CloneFrom is not null);
        Assert.Equal(0, clone.TrialNumber);
        Assert.Equal(Path.Combine("/tmp/ckpt", "trial-0003", "intervals", $"1-{works[3].LeaseToken}"), clone.CloneFrom);
        Assert.True(clone.Resume);
        Assert.Equal(works[3].Parameters["conv1_filters"], clone.Parameters["conv1_filters"]);

        var lineage = Assert.Single(h.State.Trials[0].Lineage);
        Assert.Equal((1, 3, works[3].LeaseToken), (lineage.Epoch, lineage.Donor, lineage.DonorLeaseToken));
        Assert.Equal(["dropout", "learning_rate"], lineage.NewValues.Keys.Order(StringComparer.Ordinal));
        Assert.All(lineage.NewValues, kv => Assert.Equal(kv.Value, clone.Parameters[kv.Key]));
        Assert.Equal(0.41, lineage.DonorScore!.Value, 9);

        // The attempt that cloned reports what it loaded; the clone is done and later attempts resume their own files.
        h.Report(clone, 2, 0.5);
        h.Coordinator.Complete(0, clone.LeaseToken, Paused with { Cloning = new CloneCheck(1, "abc", "abc") }, h.Now);
        Assert.True(h.State.Trials[0].Lineage[0].Verified);
        Assert.Null(h.State.Trials[0].CloneFrom);
    }

    [Fact]
    public void An_attempt_that_dies_before_reporting_its_clone_check_is_replaced_by_one_that_clones_again()
    {
        var h = new CoordinatorHarness(Spec());
        foreach (var work in LeaseAndReport(h, epoch: 1))
        {
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        var clone = Enumerable.Range(0, 4).Select(_ => h.Lease()!).Single(w => w.CloneFrom is not null);
        h.Now += TimeSpan.FromMinutes(5);
        Assert.Contains(clone.TrialNumber, h.Coordinator.ExpireLeases(h.Now, TimeSpan.FromSeconds(30)));

        var retry = h.Lease()!;
        Assert.Equal(clone.TrialNumber, retry.TrialNumber);
        Assert.Equal(clone.CloneFrom, retry.CloneFrom);
        Assert.NotEqual(clone.LeaseToken, retry.LeaseToken);
    }

    [Fact]
    public void A_failed_member_no_longer_holds_the_round_back_and_is_never_a_donor()
    {
        var h = new CoordinatorHarness(Spec());
        var works = LeaseAndReport(h, epoch: 1);
        foreach (var work in works.Take(3))
        {
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        // The best member fails after its report: it has no snapshot of the interval and leaves the population.
        h.Coordinator.Complete(3, works[3].LeaseToken, new TrialOutcomeReport(TrialState.Failed, "diverged", 100), h.Now);

        Assert.Equal(1, h.State.PbtDecidedEpoch);
        Assert.All(h.State.Trials, t => Assert.All(t.Lineage, l => Assert.NotEqual(3, l.Donor)));
        Assert.Equal(2, Assert.Single(h.State.Trials[0].Lineage).Donor);
    }

    [Fact]
    public void Members_complete_at_the_last_epoch_and_the_search_evaluates_a_winner()
    {
        var h = new CoordinatorHarness(Spec(epochs: 2));
        foreach (var work in LeaseAndReport(h, epoch: 1))
        {
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        while (h.Lease() is { Kind: WorkKind.Train } work)
        {
            Assert.Equal(EpochDecision.Continue, h.Report(work, 2, 0.5 + work.TrialNumber / 10.0));
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 100), h.Now);
        }

        Assert.Equal(SearchState.EvaluatingWinner, h.State.State);
        Assert.All(h.State.Trials, t => Assert.Equal(TrialState.Completed, t.State));
        Assert.Equal(3, h.State.WinnerNumber);
    }

    [Fact]
    public void A_space_smaller_than_max_trials_is_the_population_and_its_round_still_runs()
    {
        var spec = Spec(population: 6);
        spec = spec with
        {
            Space = [new("conv1_filters", ParameterKind.Choice, [32L, 64L], 0, 0, false), new("dropout", ParameterKind.Choice, [0.2, 0.4], 0, 0, false)],
            Search = spec.Search with { Sampler = "grid", MaxConcurrent = 4 },
        };
        var h = new CoordinatorHarness(spec);
        var works = LeaseAndReport(h, epoch: 1);
        Assert.Equal(4, works.Count);
        foreach (var work in works)
        {
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        // Only the next lease finds the grid spent: the four are the population, and their round runs then.
        Assert.Equal(0, h.State.PbtDecidedEpoch);
        var next = h.Lease();
        Assert.NotNull(next);
        Assert.Equal(1, h.State.PbtDecidedEpoch);
    }

    /// <summary>The stall one in several cluster runs hit: an attempt reports the interval epoch (its checkpoint of that
    /// epoch already written), is told to pause, and its silo dies before the pause lands. Its successor resumes from
    /// that checkpoint, so its first epoch is one past the interval; were it to pause only at the next interval, the
    /// others would wait at this one for ever.</summary>
    [Fact]
    public void A_successor_that_resumes_past_the_interval_pauses_at_once_for_the_same_round_and_is_never_its_donor()
    {
        var h = new CoordinatorHarness(Spec(epochs: 4));
        // Trial 3 (the best) was told to pause at epoch 1, then its silo died.
        var successor = PauseLateAfterADeath(h, dying: 3, accuracy: 0.45);

        // The round of epoch 1 runs. Trial 3 holds no snapshot of epoch 1 (its pausing attempt stopped at 2): trial 2 donates.
        Assert.Equal(1, h.State.PbtDecidedEpoch);
        Assert.Equal((1, successor.LeaseToken), (h.State.Trials[3].PausedEpoch, h.State.Trials[3].PausedToken));
        Assert.All(h.State.Trials, t => Assert.All(t.Lineage, l => Assert.NotEqual(3, l.Donor)));

        var next = LeaseAll(h);

        Assert.Equal([0, 1, 2, 3], next.Select(w => w.TrialNumber).Order());
        Assert.Null(next.Single(w => w.TrialNumber == 3).CloneFrom);

        // Every member reaches the next round, trial 3 late again (epoch 3 for the interval of 2): no stall.
        foreach (var work in next)
        {
            var epoch = work.TrialNumber == 3 ? 3 : 2;
            Assert.Equal(EpochDecision.Pause, h.Report(work, epoch, accuracy: 0.5));
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        Assert.Equal(2, h.State.PbtDecidedEpoch);

        // A late pauser at the last epoch does not pause: it completes, and the others' last round needs it not.
        var last = LeaseAll(h);

        var late = last.Single(w => w.TrialNumber == 3);
        Assert.Equal(EpochDecision.Continue, h.Report(late, 4, accuracy: 0.6));
        h.Coordinator.Complete(3, late.LeaseToken, new TrialOutcomeReport(TrialState.Completed, null, 100), h.Now);
        foreach (var work in last.Where(w => w.TrialNumber != 3))
        {
            Assert.Equal(EpochDecision.Pause, h.Report(work, 3, accuracy: 0.5));
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        Assert.Equal(3, h.State.PbtDecidedEpoch);
    }

    [Fact]
    public void An_exploiting_late_pauser_drops_the_epochs_it_trained_past_the_interval()
    {
        var h = new CoordinatorHarness(Spec(epochs: 4));
        // Trial 0 (the worst) was told to pause at epoch 1, then its silo died.
        PauseLateAfterADeath(h, dying: 0, accuracy: 0.05);

        Assert.Equal(1, h.State.PbtDecidedEpoch);
        var entry = h.State.Trials[0];
        Assert.Equal(1, Assert.Single(entry.Lineage).Epoch);
        Assert.Equal([1], entry.Epochs.Select(e => e.Epoch));
        Assert.NotNull(entry.CloneFrom);
    }

    /// <summary>Every member reports interval epoch 1; all but <paramref name="dying"/> pause, whose silo dies before its
    /// pause lands. Its successor resumes from the checkpoint of epoch 1, reports epoch 2 and pauses there, late.</summary>
    private static WorkItem PauseLateAfterADeath(CoordinatorHarness h, int dying, double accuracy)
    {
        foreach (var work in LeaseAndReport(h, epoch: 1).Where(w => w.TrialNumber != dying))
        {
            h.Coordinator.Complete(work.TrialNumber, work.LeaseToken, Paused, h.Now);
        }

        h.Now += TimeSpan.FromMinutes(5);
        Assert.Equal([dying], h.Coordinator.ExpireLeases(h.Now, TimeSpan.FromSeconds(30)));
        var successor = h.Lease()!;
        Assert.Equal((dying, true), (successor.TrialNumber, successor.Resume));
        Assert.Equal(EpochDecision.Pause, h.Report(successor, 2, accuracy));
        Assert.Equal(0, h.State.PbtDecidedEpoch);
        h.Coordinator.Complete(dying, successor.LeaseToken, Paused, h.Now);
        return successor;
    }
}
