using HyperSearch.Grains.Search;
using HyperSearch.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace HyperSearch.Grains.Trials;

/// <summary>One training slot (not one trial), on that slot's silo (key: the slot's worker name). Runs one attempt of
/// one trial per call, the training on a dedicated thread through <see cref="ITrialRunner"/>; this grain only relays
/// reports and decisions. One activation serves the slot's attempts one after another.</summary>
/// <remarks>The grain type is the one it had as TrialGrain, so silos of either version can share a cluster during a
/// rolling update. Kept alive: an idle slot's grain deactivated and activated again would need the grain directory
/// again (see <see cref="ITrainingSlotGrain.WarmUpAsync"/>).</remarks>
[PreferLocalPlacement, KeepAlive, GrainType("trial")]
public sealed class TrainingSlotGrain(
    ITrialRunner runner,
    RunningTrials runningTrials,
    EpochReportBatcher reports,
    HyperSearchMetrics telemetry,
    IOptions<CoordinatorOptions> options,
    ILocalSiloDetails silo,
    ILogger<TrainingSlotGrain> logger) : Grain, ITrainingSlotGrain
{
    private (WorkItem Work, CancellationTokenSource Cancellation)? _current;
    private bool _offSilo;
    private string? _prepareProblem;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Only a call addressed to a slot whose silo is gone activates it elsewhere: such an activation runs nothing.
        _offSilo = !TrainingSlotKeys.IsOnSilo(this.GetPrimaryKeyString(), silo.Name);
        if (_offSilo)
        {
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    public async Task<TrialRunResult> RunAsync(WorkItem work, string? worker)
    {
        if (_offSilo)
        {
            throw new InvalidOperationException($"trial grain {this.GetPrimaryKeyString()} is not on its slot's silo {silo.Name}; retry");
        }

        var attemptKey = TrainingSlotKeys.ForAttempt(work.SearchId, work.TrialNumber, work.LeaseToken, work.Kind);
        var search = GrainFactory.GetGrain<ISearchGrain>(work.SearchId);
        using var cancellation = new CancellationTokenSource();
        _current = (work, cancellation);
        runningTrials.Add(attemptKey, cancellation);
        using var heartbeat = StartHeartbeat(search, work, cancellation);
        try
        {
            return work.Kind == WorkKind.EvaluateTest
                ? new TrialRunResult(await EvaluateAsync(search, work, cancellation.Token), null)
                : await TrainAsync(search, work, worker, cancellation.Token);
        }
        finally
        {
            _current = null;
            telemetry.AttemptEnded(work.SearchId, work.TrialNumber);
            runningTrials.Remove(attemptKey);
        }
    }

    /// <summary>Retry a coordinator call for as long as the lease lasts; after that the attempt is fenced anyway.</summary>
    private TimeSpan RetryBudget => options.Value.LeaseTimeout;

    public Task WarmUpAsync() => Task.CompletedTask;

    public Task CancelAsync(string searchId, int trialNumber, int leaseToken)
    {
        // Only the named attempt: the slot may have moved on to other work since the coordinator decided.
        if (_current is { } current && current.Work.SearchId == searchId && current.Work.TrialNumber == trialNumber && current.Work.LeaseToken == leaseToken)
        {
            current.Cancellation.Cancel();
        }

        return Task.CompletedTask;
    }

    private async Task<TrialRunResult> TrainAsync(ISearchGrain search, WorkItem work, string? worker, CancellationToken cancellationToken)
    {
        var relay = new EpochRelay(reports, work, telemetry, logger);
        TrialOutcomeReport outcome;
        var trialFolder = work.CheckpointDirectory;
        try
        {
            var attemptFolder = await PrepareAsync(trialFolder, work);
            outcome = attemptFolder is null
                ? new TrialOutcomeReport(TrialState.Failed, $"could not prepare the checkpoint folder {trialFolder}: {_prepareProblem}", null)
                : await Task.Run(() => runner.RunAsync(work with { CheckpointDirectory = attemptFolder }, relay.ReportAsync, cancellationToken));
        }
        catch (Exception e)
        {
            // Runners report training failures as results; an exception here is a runner defect or bad input.
            outcome = new TrialOutcomeReport(TrialState.Failed, $"{e.GetType().Name}: {e.Message}", null);
        }

        outcome = outcome with { Epochs = outcome.Epochs ?? relay.Curve };
        if (relay.LastDecision == EpochDecision.Pause && outcome.State == TrialState.Pruned)
        {
            outcome = await KeepIntervalAsync(work, trialFolder, outcome);
        }

        if (outcome.State == TrialState.Failed && !await Task.Run(() => AttemptCheckpoints.CanWrite(trialFolder)))
        {
            // A full or read-only checkpoint volume: the trial failed saying why, and the search goes on. The slot takes
            // no next work at once and waits half a lease, so a full disk fails trials at that pace, not the whole
            // queue within a second.
            logger.LogWarning("trial {Search}/{Trial} lease {LeaseToken} failed and its checkpoint folder takes no writes; the slot waits before its next trial", work.SearchId, work.TrialNumber, work.LeaseToken);
            var result = await FinishAsync(search, work, worker: null, outcome, relay.LastDecision, trialFolder);
            await Task.Delay(options.Value.LeaseTimeout / 2);
            return result;
        }

        return await FinishAsync(search, work, worker, outcome, relay.LastDecision, trialFolder);
    }

    /// <summary>This attempt's own checkpoint folder (<see cref="AttemptCheckpoints"/>); null, with the reason in
    /// <see cref="_prepareProblem"/>, when the volume refuses it (full, read-only).</summary>
    private async Task<string?> PrepareAsync(string trialFolder, WorkItem work)
    {
        try
        {
            return await Task.Run(() => AttemptCheckpoints.Prepare(trialFolder, work.LeaseToken, work.Resume, work.CloneFrom));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _prepareProblem = e.Message;
            return null;
        }
    }

    /// <summary>A Population Based Training pause: keeps this interval's checkpoint where a donor's must be (see
    /// <see cref="IntervalSnapshots"/>) before the coordinator hears of it, so a member it counts as paused always has
    /// one; a snapshot that cannot be written fails the trial instead.</summary>
    private async Task<TrialOutcomeReport> KeepIntervalAsync(WorkItem work, string trialFolder, TrialOutcomeReport outcome)
    {
        var epoch = outcome.Epochs is { Count: > 0 } epochs ? epochs.Max(e => e.Epoch) : 0;
        try
        {
            await Task.Run(() => IntervalSnapshots.Take(trialFolder, work.LeaseToken, epoch));
            return outcome;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return outcome with { State = TrialState.Failed, FailureReason = $"could not keep the checkpoint of interval epoch {epoch}: {e.Message}" };
        }
    }

    /// <summary>Hands the attempt's outcome to the coordinator; an accepted outcome's checkpoints are promoted.</summary>
    private async Task<TrialRunResult> FinishAsync(ISearchGrain search, WorkItem work, string? worker, TrialOutcomeReport outcome, EpochDecision lastDecision, string trialFolder)
    {
        if (lastDecision == EpochDecision.Fenced)
        {
            logger.LogInformation("trial {Search}/{Trial} lease {LeaseToken} was fenced off; dropping its result", work.SearchId, work.TrialNumber, work.LeaseToken);
            return new TrialRunResult(outcome, null);
        }

        if (outcome.State == TrialState.Cancelled && runningTrials.ShuttingDown)
        {
            await ClusterRetry.CallAsync(() => search.ReleaseAsync(work.TrialNumber, work.LeaseToken), RetryBudget);
            return new TrialRunResult(outcome, null);
        }

        // The runner only knows it was asked to stop; the coordinator's reason decides pruned or cancelled.
        if (outcome.State == TrialState.Pruned && lastDecision == EpochDecision.Cancel)
        {
            outcome = outcome with { State = TrialState.Cancelled };
        }

        // Unless the runner knows the whole curve, the outcome carries what this attempt saw (the coordinator merges by
        // epoch number, keeping what a resumed attempt did not re-run); it includes the last epoch, not reported alone.
        if (worker is null || runningTrials.ShuttingDown)
        {
            var stored = await ClusterRetry.CallAsync(() => search.CompleteAsync(work.TrialNumber, work.LeaseToken, outcome), RetryBudget);
            await PromoteAsync(work, trialFolder, stored);
            return new TrialRunResult(outcome, null);
        }

        var receipt = await ClusterRetry.CallAsync(() => search.CompleteAndLeaseAsync(work.TrialNumber, work.LeaseToken, outcome, worker), RetryBudget);
        await PromoteAsync(work, trialFolder, receipt.Accepted);
        return new TrialRunResult(outcome, receipt.Next, receipt);
    }

    /// <summary>Only the attempt that owns the trial promotes its checkpoints; a fenced one leaves its folder, which
    /// the next promotion removes. A failure here costs nothing now: the evaluation promotes the newest attempt.</summary>
    private async Task PromoteAsync(WorkItem work, string trialFolder, bool accepted)
    {
        if (!accepted)
        {
            logger.LogInformation("trial {Search}/{Trial} lease {LeaseToken}: outcome refused (fenced); its checkpoints stay unpromoted", work.SearchId, work.TrialNumber, work.LeaseToken);
            return;
        }

        try
        {
            await Task.Run(() => AttemptCheckpoints.Promote(trialFolder, work.LeaseToken));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "trial {Search}/{Trial} lease {LeaseToken}: could not promote its checkpoints", work.SearchId, work.TrialNumber, work.LeaseToken);
        }
    }

    private async Task<TrialOutcomeReport> EvaluateAsync(ISearchGrain search, WorkItem work, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Task.Run(() =>
            {
                AttemptCheckpoints.PromoteNewest(work.CheckpointDirectory);
                return runner.EvaluateTestAsync(work, cancellationToken);
            });
            await ClusterRetry.CallAsync(() => search.ReportTestAsync(work.TrialNumber, work.LeaseToken, result, null), RetryBudget);
            return new TrialOutcomeReport(TrialState.Completed, null, null);
        }
        catch (Exception e) when (!runningTrials.ShuttingDown)
        {
            await search.ReportTestAsync(work.TrialNumber, work.LeaseToken, null, $"{e.GetType().Name}: {e.Message}");
            return new TrialOutcomeReport(TrialState.Failed, e.Message, null);
        }
    }

    private IDisposable StartHeartbeat(ISearchGrain search, WorkItem work, CancellationTokenSource cancellation) =>
        LeaseHeartbeat.Start(
            options.Value.HeartbeatInterval,
            () => search.HeartbeatAsync(work.TrialNumber, work.LeaseToken),
            onFenced: cancellation.Cancel,
            onError: e => logger.LogWarning(e, "heartbeat for {Search}/{Trial} failed", work.SearchId, work.TrialNumber));
}
