using System.Collections.Concurrent;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests;

/// <summary>Shared bookkeeping of every fake runner in one test cluster: who ran what, and peak concurrency.</summary>
public sealed class FakeRunLog
{
    private int _running;
    private int _peak;

    public ConcurrentBag<(string Silo, int Trial, int Attempt, WorkKind Kind)> Runs { get; } = [];

    public int Peak => Volatile.Read(ref _peak);

    public int Running => Volatile.Read(ref _running);

    /// <summary>Work items running now, per silo.</summary>
    public ConcurrentDictionary<string, int> RunningOn { get; } = new();

    internal void Enter(string silo)
    {
        RunningOn.AddOrUpdate(silo, 1, (_, n) => n + 1);
        var now = Interlocked.Increment(ref _running);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }
    }

    internal void Exit(string silo)
    {
        RunningOn.AddOrUpdate(silo, 0, (_, n) => n - 1);
        Interlocked.Decrement(ref _running);
    }
}

/// <summary>A trainer that only waits: accuracy rises with the epoch and with conv1_filters, so the winner is known.</summary>
public sealed class FakeTrialRunner(FakeRunLog log, string silo, TimeSpan epochDelay, Func<WorkItem, bool>? fails = null) : ITrialRunner
{
    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        log.Runs.Add((silo, work.TrialNumber, work.LeaseToken, work.Kind));
        log.Enter(silo);
        try
        {
            var epochs = Convert.ToInt32(work.EffectiveParameters["epochs"]);
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                try
                {
                    await Task.Delay(epochDelay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return new TrialOutcomeReport(TrialState.Cancelled, null, null);
                }

                if (fails?.Invoke(work) == true)
                {
                    return new TrialOutcomeReport(TrialState.Failed, $"diverged at epoch {epoch}, batch 1", null);
                }

                if (await onEpoch(Metrics(work, epoch)) != EpochDecision.Continue)
                {
                    return new TrialOutcomeReport(TrialState.Pruned, null, ParameterCount(work));
                }
            }

            return new TrialOutcomeReport(TrialState.Completed, null, ParameterCount(work));
        }
        finally
        {
            log.Exit(silo);
        }
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken)
    {
        log.Runs.Add((silo, work.TrialNumber, work.LeaseToken, work.Kind));
        return Task.FromResult(new TestResult(Accuracy(work, 3) - 0.01, 0.3, 10000));
    }

    public static double Accuracy(WorkItem work, int epoch)
    {
        var filters = Convert.ToDouble(work.Parameters.GetValueOrDefault("conv1_filters", 32L));
        return 0.5 + 0.1 * epoch + filters / 10_000.0;
    }

    private static long ParameterCount(WorkItem work) => 1000 + Convert.ToInt64(work.Parameters.GetValueOrDefault("conv1_filters", 32L));

    private static EpochMetrics Metrics(WorkItem work, int epoch) => new(epoch, new Dictionary<string, double>
    {
        [EpochMetrics.ValAccuracy] = Accuracy(work, epoch),
        [EpochMetrics.TrainAccuracy] = Accuracy(work, epoch) + 0.02,
        [EpochMetrics.EpochSeconds] = 0.01,
    });
}
