using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>Drives a <see cref="SearchCoordinator"/> directly with a manual clock: no Orleans, no timing.</summary>
internal sealed class CoordinatorHarness
{
    public CoordinatorHarness(SearchSpec spec)
    {
        State = new SearchGrainState { Spec = spec, StartedAt = Now, State = SearchState.Running, CheckpointRoot = "/tmp/ckpt", Generation = 1 };
        Coordinator = new SearchCoordinator("s1", State, Now);
    }

    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SearchGrainState State { get; }

    public SearchCoordinator Coordinator { get; }

    public WorkItem? Lease(string worker = "w") => Coordinator.Lease(worker, Now);

    /// <summary>Reports every epoch with the fake accuracy and completes the trial.</summary>
    public void Finish(WorkItem work, TrialState final = TrialState.Completed, string? reason = null)
    {
        var epochs = Convert.ToInt32(work.EffectiveParameters["epochs"]);
        for (var epoch = 1; epoch <= epochs && final == TrialState.Completed; epoch++)
        {
            Report(work, epoch);
        }

        Coordinator.Complete(work.TrialNumber, work.LeaseToken, new TrialOutcomeReport(final, reason, 100), Now);
    }

    public EpochDecision Report(WorkItem work, int epoch, double? accuracy = null) =>
        Coordinator.ReportEpoch(work.TrialNumber, work.LeaseToken,
            new EpochMetrics(epoch, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy ?? FakeTrialRunner.Accuracy(work, epoch) }), Now);

    public void RunToEnd()
    {
        while (Lease() is { } work)
        {
            if (work.Kind == WorkKind.EvaluateTest)
            {
                Coordinator.ReportTest(work.TrialNumber, work.LeaseToken, new TestResult(0.9, 0.3, 100), null, Now);
                continue;
            }

            Finish(work);
        }
    }
}
