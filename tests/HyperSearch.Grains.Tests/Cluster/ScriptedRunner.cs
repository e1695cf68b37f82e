using System.Collections.Concurrent;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>A trainer whose attempts the test can hold: <see cref="Hold"/> makes the next attempt of a trial (or the
/// next evaluation) wait until released, ignoring cancellation if asked, the way a stalled silo's work goes on. Other
/// attempts train like <see cref="FakeTrialRunner"/> (accuracy rises with the epoch), one epoch every
/// <paramref name="epochDelay"/>. Every evaluation of the test split is counted.</summary>
public sealed class ScriptedRunner(TimeSpan epochDelay) : ITrialRunner
{
    private readonly ConcurrentQueue<HeldAttempt> _held = new();
    private readonly ConcurrentQueue<WorkItem> _started = new();
    private readonly ConcurrentQueue<WorkItem> _evaluated = new();

    /// <summary>Every attempt and evaluation that started, in order.</summary>
    public IReadOnlyList<WorkItem> Started => [.. _started];

    /// <summary>Evaluations of the test split that ran to their end (whoever then accepted the result).</summary>
    public IReadOnlyList<WorkItem> Evaluated => [.. _evaluated];

    /// <summary>The next attempt matching <paramref name="which"/> waits for <see cref="HeldAttempt.Release"/>.</summary>
    public HeldAttempt Hold(Func<WorkItem, bool> which, bool ignoreCancellation)
    {
        var held = new HeldAttempt(which, ignoreCancellation);
        _held.Enqueue(held);
        return held;
    }

    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        _started.Enqueue(work);
        if (Claim(work) is { } held && await held.WaitAsync(cancellationToken) == HeldAttempt.Ending.Cancelled)
        {
            return new TrialOutcomeReport(TrialState.Cancelled, null, null);
        }

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

            if (EpochDecision.Continue != await onEpoch(new EpochMetrics(epoch, new Dictionary<string, double>
            {
                [EpochMetrics.ValAccuracy] = FakeTrialRunner.Accuracy(work, epoch),
                [EpochMetrics.EpochSeconds] = epochDelay.TotalSeconds,
            })))
            {
                return new TrialOutcomeReport(TrialState.Pruned, null, 1000);
            }
        }

        return new TrialOutcomeReport(TrialState.Completed, null, 1000);
    }

    public async Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken)
    {
        _started.Enqueue(work);
        if (Claim(work) is { } held && await held.WaitAsync(cancellationToken) == HeldAttempt.Ending.Cancelled)
        {
            // As a real evaluation does when its attempt is stopped: it ends without a result.
            throw new OperationCanceledException(cancellationToken);
        }

        _evaluated.Enqueue(work);

        // Each evaluation's result names its attempt, so the test can tell which one the search kept.
        return new TestResult(0.5 + (work.LeaseToken % 10_000) / 100.0, 0.3, 10_000);
    }

    private HeldAttempt? Claim(WorkItem work)
    {
        foreach (var held in _held)
        {
            if (held.TryClaim(work))
            {
                return held;
            }
        }

        return null;
    }
}

public sealed class HeldAttempt(Func<WorkItem, bool> which, bool ignoreCancellation)
{
    private readonly TaskCompletionSource<WorkItem> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Ending> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _claimed;

    public enum Ending
    {
        Released,
        Cancelled,
    }

    /// <summary>The attempt it holds, once one started.</summary>
    public Task<WorkItem> Started => _started.Task;

    /// <summary>How the hold ended: released by the test, or the attempt's cancellation token fired.</summary>
    public Task<Ending> Ended => _ended.Task;

    public void Release() => _release.TrySetResult();

    internal bool TryClaim(WorkItem work)
    {
        if (!which(work) || Interlocked.Exchange(ref _claimed, 1) == 1)
        {
            return false;
        }

        _started.SetResult(work);
        return true;
    }

    internal async Task<Ending> WaitAsync(CancellationToken cancellationToken)
    {
        var cancelled = ignoreCancellation ? Task.Delay(Timeout.Infinite, CancellationToken.None) : Task.Delay(Timeout.Infinite, cancellationToken);
        var first = await Task.WhenAny(_release.Task, cancelled);
        var ending = first == _release.Task ? Ending.Released : Ending.Cancelled;
        _ended.TrySetResult(ending);
        return ending;
    }
}
