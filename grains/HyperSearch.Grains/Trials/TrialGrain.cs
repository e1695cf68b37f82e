using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Telemetry;
using Orleans.Placement;

namespace HyperSearch.Grains.Trials;

/// <summary>Runs one attempt of one trial on the silo whose slot leased it. Training happens on the thread pool
/// through <see cref="ITrialRunner"/>; this grain only relays reports and decisions.</summary>
[PreferLocalPlacement]
public sealed class TrialGrain(
    ITrialRunner runner,
    RunningTrials runningTrials,
    HyperSearchMetrics telemetry,
    IOptions<CoordinatorOptions> options,
    ILogger<TrialGrain> logger) : Grain, ITrialGrain
{
    private readonly CancellationTokenSource _cancellation = new();

    public async Task<TrialRunResult> RunAsync(WorkItem work, string? worker)
    {
        var key = this.GetPrimaryKeyString();
        var search = GrainFactory.GetGrain<ISearchGrain>(work.SearchId);
        runningTrials.Add(key, _cancellation);
        using var heartbeat = StartHeartbeat(search, work);
        try
        {
            return work.Kind == WorkKind.EvaluateTest
                ? new TrialRunResult(await EvaluateAsync(search, work), null)
                : await TrainAsync(search, work, worker);
        }
        finally
        {
            telemetry.AttemptEnded(work.SearchId, work.TrialNumber);
            runningTrials.Remove(key);
            DeactivateOnIdle();
        }
    }

    /// <summary>Retry a coordinator call for as long as the lease lasts; after that the attempt is fenced anyway.</summary>
    private TimeSpan RetryBudget => options.Value.LeaseTimeout;

    public Task CancelAsync()
    {
        _cancellation.Cancel();
        return Task.CompletedTask;
    }

    private async Task<TrialRunResult> TrainAsync(ISearchGrain search, WorkItem work, string? worker)
    {
        var lastDecision = EpochDecision.Continue;
        var curve = new List<EpochMetrics>();
        async Task<bool> OnEpoch(EpochMetrics metrics)
        {
            curve.RemoveAll(e => e.Epoch >= metrics.Epoch);
            curve.Add(metrics);
            telemetry.EpochReported(work.SearchId, work.TrialNumber, metrics);
            try
            {
                lastDecision = await CoordinatorRetry.CallAsync(() => search.ReportEpochAsync(work.TrialNumber, work.Attempt, metrics), RetryBudget);
            }
            catch (Exception e)
            {
                // The coordinator stayed unreachable past the lease: another attempt will own the trial.
                logger.LogWarning(e, "trial {Search}/{Trial} attempt {Attempt}: coordinator unreachable; abandoning the attempt", work.SearchId, work.TrialNumber, work.Attempt);
                lastDecision = EpochDecision.Fenced;
            }

            return lastDecision == EpochDecision.Continue;
        }

        TrialOutcomeReport outcome;
        try
        {
            outcome = await Task.Run(() => runner.RunAsync(work, OnEpoch, _cancellation.Token));
        }
        catch (Exception e)
        {
            // Runners report training failures as results; an exception here is a runner defect or bad input.
            outcome = new TrialOutcomeReport(TrialState.Failed, $"{e.GetType().Name}: {e.Message}", null);
        }

        if (lastDecision == EpochDecision.Fenced)
        {
            logger.LogInformation("trial {Search}/{Trial} attempt {Attempt} was fenced off; dropping its result", work.SearchId, work.TrialNumber, work.Attempt);
            return new TrialRunResult(outcome, null);
        }

        if (outcome.State == TrialState.Cancelled && runningTrials.ShuttingDown)
        {
            await CoordinatorRetry.CallAsync(() => search.ReleaseAsync(work.TrialNumber, work.Attempt), RetryBudget);
            return new TrialRunResult(outcome, null);
        }

        // The runner only knows it was asked to stop; the coordinator's reason decides pruned or cancelled.
        if (outcome.State == TrialState.Pruned && lastDecision == EpochDecision.Cancel)
        {
            outcome = outcome with { State = TrialState.Cancelled };
        }

        // A resumed attempt only relays new epochs; unless the runner knows the whole curve, send what this attempt saw
        // from its first epoch on (a fresh attempt), else nothing and let the coordinator keep what it has.
        outcome = outcome with { Epochs = outcome.Epochs ?? (work.Resume ? null : curve) };
        if (worker is null || runningTrials.ShuttingDown)
        {
            await CoordinatorRetry.CallAsync(() => search.CompleteAsync(work.TrialNumber, work.Attempt, outcome), RetryBudget);
            return new TrialRunResult(outcome, null);
        }

        var next = await CoordinatorRetry.CallAsync(() => search.CompleteAndLeaseAsync(work.TrialNumber, work.Attempt, outcome, worker), RetryBudget);
        return new TrialRunResult(outcome, next);
    }

    private async Task<TrialOutcomeReport> EvaluateAsync(ISearchGrain search, WorkItem work)
    {
        try
        {
            var result = await Task.Run(() => runner.EvaluateTestAsync(work, _cancellation.Token));
            await CoordinatorRetry.CallAsync(() => search.ReportTestAsync(work.TrialNumber, work.Attempt, result, null), RetryBudget);
            return new TrialOutcomeReport(TrialState.Completed, null, null);
        }
        catch (Exception e) when (!runningTrials.ShuttingDown)
        {
            await search.ReportTestAsync(work.TrialNumber, work.Attempt, null, $"{e.GetType().Name}: {e.Message}");
            return new TrialOutcomeReport(TrialState.Failed, e.Message, null);
        }
    }

    private IDisposable StartHeartbeat(ISearchGrain search, WorkItem work) =>
        LeaseHeartbeat.Start(
            options.Value.HeartbeatInterval,
            () => search.HeartbeatAsync(work.TrialNumber, work.Attempt),
            onFenced: _cancellation.Cancel,
            onError: e => logger.LogWarning(e, "heartbeat for {Search}/{Trial} failed", work.SearchId, work.TrialNumber));
}
