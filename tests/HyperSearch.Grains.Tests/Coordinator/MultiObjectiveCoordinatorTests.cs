using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>The coordinator hands objective vectors to the scheduler (pruning on non-dominated rank) and warm-start
/// trials to the sampler and scheduler.</summary>
public sealed class MultiObjectiveCoordinatorTests
{
    private static SearchSpec MultiObjective(string scheduler = "asha") => TestSpecs.Make(sampler: "nsga2", scheduler: scheduler, maxTrials: 6, maxConcurrent: 3, epochs: 9) with
    {
        Search = TestSpecs.Make(sampler: "nsga2", scheduler: scheduler).Search with
        {
            MaxTrials = 6,
            MaxConcurrent = 3,
            Objectives = [new ObjectiveSpec(EpochMetrics.ValAccuracy, true), new ObjectiveSpec(EpochMetrics.Params, false)],
        },
    };

    private static EpochDecision Report(CoordinatorHarness h, WorkItem work, double accuracy, double parameters) =>
        h.Coordinator.ReportEpoch(work.TrialNumber, work.LeaseToken, new EpochMetrics(1, new Dictionary<string, double>
        {
            [EpochMetrics.ValAccuracy] = accuracy,
            [EpochMetrics.Params] = parameters,
        }), h.Now);

    [Theory]
    [InlineData(0.70, 200.0, EpochDecision.Stop)]      // dominated by both earlier trials
    [InlineData(0.95, 300.0, EpochDecision.Continue)]  // on the front: the most accurate
    [InlineData(0.70, 10.0, EpochDecision.Continue)]   // on the front: the smallest
    public void Asha_judges_a_rung_by_non_dominated_rank(double accuracy, double parameters, EpochDecision expected)
    {
        var h = new CoordinatorHarness(MultiObjective());
        var (a, b, c) = (h.Lease()!, h.Lease()!, h.Lease()!);
        Assert.Equal(EpochDecision.Continue, Report(h, a, 0.90, 100));
        Assert.Equal(EpochDecision.Continue, Report(h, b, 0.80, 50));
        Assert.Equal(expected, Report(h, c, accuracy, parameters));
    }

    [Fact]
    public void Warm_start_trials_are_never_run_again_and_sit_at_the_rungs()
    {
        var spec = TestSpecs.Make(sampler: "random", scheduler: "asha", maxTrials: 10, maxConcurrent: 1, epochs: 9, space: TestSpecs.GridSpace);
        var imported = new ImportedTrial(7, new Dictionary<string, object> { ["conv1_filters"] = 32L, ["conv1_kernel"] = 3L }, TrialState.Completed,
            [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.99 })]);
        var incompatible = imported with { SourceNumber = 8, Parameters = new Dictionary<string, object> { ["conv1_filters"] = 16L, ["conv1_kernel"] = 3L } };
        var h = new CoordinatorHarness(spec with { Search = spec.Search with { WarmStart = new WarmStart("earlier", [imported, incompatible], 0) } });

        // Without the import the first trial at a rung always continues; the imported 0.99 outranks it.
        var first = h.Lease()!;
        Assert.Equal(EpochDecision.Stop, h.Report(first, 1, accuracy: 0.6));
        h.Coordinator.Complete(first.TrialNumber, first.LeaseToken, new TrialOutcomeReport(TrialState.Pruned, null, 100), h.Now);
        h.RunToEnd();

        // Four grid points, one imported: three trials, none of them the imported configuration.
        Assert.Equal(3, h.State.Trials.Count);
        Assert.DoesNotContain(h.State.Trials, t => Convert.ToInt64(t.Parameters["conv1_filters"]) == 32 && Convert.ToInt64(t.Parameters["conv1_kernel"]) == 3);
    }
}
