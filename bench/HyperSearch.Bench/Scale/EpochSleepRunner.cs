using System.Diagnostics;
using System.Globalization;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Bench.Scale;

/// <summary>A trainer that sleeps through its epochs and reports each one, shaped like the built-in trainer: the
/// epochs block a dedicated training thread, and each report waits for the coordinator's decision before the next
/// epoch starts. The epoch length is the spec's training knob <c>epoch_ms</c>.</summary>
internal sealed class EpochSleepRunner(ScaleCounters counters) : ITrialRunner
{
    public const string EpochMilliseconds = "epoch_ms";

    public Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken) =>
        TrainingThreads.Run(() =>
        {
            var epochLength = TimeSpan.FromMilliseconds(Convert.ToDouble(work.Spec.Training[EpochMilliseconds], CultureInfo.InvariantCulture));
            var accuracy = Convert.ToDouble(work.Parameters["x"], CultureInfo.InvariantCulture);
            for (var epoch = 1; epoch <= work.EpochBudget; epoch++)
            {
                Thread.Sleep(epochLength);
                if (cancellationToken.IsCancellationRequested)
                {
                    return new TrialOutcomeReport(TrialState.Cancelled, null, 1);
                }

                var metrics = new EpochMetrics(epoch, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy * epoch / work.EpochBudget });
                var asked = Stopwatch.GetTimestamp();
                var decision = TrainingThreads.WaitWithoutSpinning(onEpoch(metrics));
                counters.EpochReported(Stopwatch.GetElapsedTime(asked));
                if (decision != EpochDecision.Continue)
                {
                    return new TrialOutcomeReport(TrialState.Pruned, null, 1);
                }
            }

            return new TrialOutcomeReport(TrialState.Completed, null, 1);
        });

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0, 0, 0));
}

/// <summary>Counts shared by every silo of the process: epochs reported and what the trainers waited for decisions.</summary>
internal sealed class ScaleCounters
{
    private long _epochs;

    public LatencyLog DecisionWait { get; } = new();

    public long Epochs => Interlocked.Read(ref _epochs);

    public void EpochReported(TimeSpan waited)
    {
        Interlocked.Increment(ref _epochs);
        DecisionWait.Add(waited);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _epochs, 0);
        DecisionWait.Clear();
    }
}
