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
    private static List<WorkItem> LeaseAndReport(CoordinatorHarness h, int epoch)
    {
        var works = new List<WorkItem>();
        while (h.Lease() is { } work)
        {
            works.Add(work);
        }

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

        var next = new List<WorkItem>();
        while (h.Lease() is { } work)
        {
            next.Add(work);
        }

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
}
