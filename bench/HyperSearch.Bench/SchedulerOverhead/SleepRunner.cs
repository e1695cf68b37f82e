using System.Diagnostics;
using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Bench.SchedulerOverhead;

/// <summary>A trainer that only sleeps, so all time beyond the sleep is the scheduler's. Shaped like the real
/// <c>TorchTrialRunner</c>: the "training" blocks a dedicated training thread and reports its epoch from there.</summary>
internal sealed class SleepRunner(TimeSpan sleep) : ITrialRunner
{
    /// <summary>How long the sleeps really took (shared by the silos of one process).</summary>
    public static readonly SleepStats Stats = new();

    public Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken) =>
        TrainingThreads.Run(() =>
        {
            // The "epoch": a plain sleep (nanosleep wakes within tens of microseconds; a timed wait on a handle rounds up
            // to whole milliseconds). Cancellation is honoured at the epoch's end, as the real trainer does between batches.
            var started = Stopwatch.GetTimestamp();
            Thread.Sleep(sleep);
            Stats.Add(Stopwatch.GetElapsedTime(started));
            if (cancellationToken.IsCancellationRequested)
            {
                return new TrialOutcomeReport(TrialState.Cancelled, null, 1);
            }

            var accuracy = Convert.ToDouble(work.Parameters["x"], System.Globalization.CultureInfo.InvariantCulture);
            onEpoch(new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy })).GetAwaiter().GetResult();
            return new TrialOutcomeReport(TrialState.Completed, null, 1);
        });

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0, 0, 0));
}

internal sealed class SleepStats
{
    private long _ticks;
    private long _count;

    public double MeanMilliseconds => Interlocked.Read(ref _count) == 0 ? 0 : TimeSpan.FromTicks(Interlocked.Read(ref _ticks) / Interlocked.Read(ref _count)).TotalMilliseconds;

    public void Add(TimeSpan slept)
    {
        Interlocked.Add(ref _ticks, slept.Ticks);
        Interlocked.Increment(ref _count);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _ticks, 0);
        Interlocked.Exchange(ref _count, 0);
    }
}
