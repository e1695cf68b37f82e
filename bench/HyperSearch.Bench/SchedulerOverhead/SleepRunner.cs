using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Bench.SchedulerOverhead;

/// <summary>A trainer that only sleeps, so all time beyond the sleep is the scheduler's.</summary>
internal sealed class SleepRunner(TimeSpan sleep) : ITrialRunner
{
    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<bool>> onEpoch, CancellationToken cancellationToken)
    {
        await Task.Delay(sleep, cancellationToken);
        var accuracy = Convert.ToDouble(work.Parameters["x"], System.Globalization.CultureInfo.InvariantCulture);
        await onEpoch(new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy }));
        return new TrialOutcomeReport(TrialState.Completed, null, 1);
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0, 0, 0));
}
