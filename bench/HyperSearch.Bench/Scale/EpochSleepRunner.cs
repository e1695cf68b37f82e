using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Bench.Scale;

/// <summary>A trainer that sleeps through its epochs and reports each one with the built-in trainer's protocol: an
/// epoch's report goes out and the next epoch starts at once; a decision to stop ends the epoch in progress, and an
/// epoch is reported only after the previous one's decision said go on. The epoch length is the spec's training knob
/// <c>epoch_ms</c>.</summary>
/// <remarks>The sleeps are timers, not blocked threads. These trainers stand in for GPUs on other machines, so what
/// they cost is not coordination; but 1,024 blocked training threads on the two cores that also host all 16 silos
/// cost those cores 27,000 context switches a second, and every garbage collection trapped the threads waking from
/// their sleeps (12 % of a profile's samples). Epochs end on a fixed schedule from the trial's start, as the work an
/// epoch stands for takes its time whatever the reporting costs: a late timer does not lengthen the next epoch.</remarks>
internal sealed class EpochSleepRunner(ScaleCounters counters) : ITrialRunner
{
    public const string EpochMilliseconds = "epoch_ms";

    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        var epochLength = Stopwatch.Frequency * Convert.ToDouble(work.Spec.Training[EpochMilliseconds], CultureInfo.InvariantCulture) / 1000;
        var accuracy = Convert.ToDouble(work.Parameters["x"], CultureInfo.InvariantCulture);
        var started = Stopwatch.GetTimestamp();
        counters.Started(work, DateTimeOffset.UtcNow);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<EpochDecision>? pending = null;
        for (var epoch = 1; epoch <= work.EpochBudget; epoch++)
        {
            var remaining = (long)(started + epoch * epochLength) - Stopwatch.GetTimestamp();
            if (remaining > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return new TrialOutcomeReport(TrialState.Cancelled, null, 1);
            }

            if (pending is not null && !await ProceedAsync(pending))
            {
                return new TrialOutcomeReport(TrialState.Pruned, null, 1);
            }

            var metrics = new EpochMetrics(epoch, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy * epoch / work.EpochBudget });
            pending = onEpoch(metrics);
            counters.EpochReported();
            _ = pending.ContinueWith(static (decided, state) =>
            {
                if (decided.IsFaulted || decided.Result != EpochDecision.Continue)
                {
                    try
                    {
                        ((CancellationTokenSource)state!).Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The attempt ended already.
                    }
                }
            }, stop, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var completed = pending is null || await ProceedAsync(pending);
        counters.Ended(work, DateTimeOffset.UtcNow);
        return completed ? new TrialOutcomeReport(TrialState.Completed, null, 1) : new TrialOutcomeReport(TrialState.Pruned, null, 1);
    }

    private async Task<bool> ProceedAsync(Task<EpochDecision> decision)
    {
        var asked = Stopwatch.GetTimestamp();
        var proceed = await decision == EpochDecision.Continue;
        counters.DecisionWaited(Stopwatch.GetElapsedTime(asked));
        return proceed;
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0, 0, 0));
}

/// <summary>Counts shared by every silo of the process: epochs reported and what the trainers waited for decisions.</summary>
internal sealed class ScaleCounters
{
    private long _epochs;

    public LatencyLog DecisionWait { get; } = new();

    public long Epochs => Interlocked.Read(ref _epochs);

    public void EpochReported() => Interlocked.Increment(ref _epochs);

    public void DecisionWaited(TimeSpan waited) => DecisionWait.Add(waited);

    /// <summary>When each trial's trainer started and ended, by search and trial (the last attempt's).</summary>
    public ConcurrentDictionary<(string Search, int Trial), (DateTimeOffset Started, DateTimeOffset Ended)> TrainerTimes { get; } = new();

    public void Started(WorkItem work, DateTimeOffset at) => TrainerTimes[(work.SearchId, work.TrialNumber)] = (at, default);

    public void Ended(WorkItem work, DateTimeOffset at) =>
        TrainerTimes.AddOrUpdate((work.SearchId, work.TrialNumber), _ => (default, at), (_, times) => (times.Started, at));

    public void Reset()
    {
        Interlocked.Exchange(ref _epochs, 0);
        DecisionWait.Clear();
        TrainerTimes.Clear();
    }
}
