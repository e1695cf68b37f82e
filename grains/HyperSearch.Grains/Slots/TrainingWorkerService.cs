using HyperSearch.Grains.Search;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Slots;

/// <summary>This silo's training slots. Each slot leases the next unit of work from a coordinator and runs it
/// in a trial grain placed on this silo, so concurrency is exactly the number of free slots in the cluster.</summary>
public sealed class TrainingWorkerService(
    IGrainFactory grains,
    IOptions<TrainingSlotOptions> options,
    IOptions<CoordinatorOptions> coordinatorOptions,
    TimeProvider clock,
    ILocalSiloDetails silo,
    RunningTrials runningTrials,
    HyperSearchMetrics metrics,
    ILogger<TrainingWorkerService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = options.Value.Enabled ? options.Value.Slots : 0;
        metrics.SetSlots(slots);
        logger.LogInformation("silo {Silo}: {Slots} training slot(s)", silo.Name, slots);
        return Task.WhenAll(Enumerable.Range(0, slots)
            .Select(i => Task.Run(() => RunSlotAsync(TrainingSlotKeys.ForSlot(silo.Name, i), stoppingToken), stoppingToken))
            .Append(AnnounceSlotsAsync(slots, stoppingToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop running attempts first so they checkpoint and are handed back before the silo leaves.
        runningTrials.StopAllForShutdown();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Tells the registry how many slots this silo has, now and periodically: the supply that fair shares
    /// divide among searches (a registry that moved learns it again within one interval).</summary>
    private async Task AnnounceSlotsAsync(int slots, CancellationToken stoppingToken)
    {
        var registry = grains.GetGrain<ISearchRegistryGrain>(0);
        while (slots > 0 && !stoppingToken.IsCancellationRequested)
        {
            try
            {
                await registry.AnnounceSlotsAsync(silo.Name, slots);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "silo {Silo}: could not announce its slots to the registry; retrying", silo.Name);
            }

            await Task.Delay(Registry.ShareBook.SlotsAnnounceInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task RunSlotAsync(string worker, CancellationToken stoppingToken)
    {
        await WarmUpAsync(worker, stoppingToken);
        var registry = grains.GetGrain<ISearchRegistryGrain>(0);
        var seen = -1L;
        WorkItem? next = null;
        var pending = new PendingOutcomes(ConfirmAfter);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The last trial's final report usually leased this slot its next work already.
                var work = next;
                next = null;
                if (work is null)
                {
                    // The long poll must not hold up a stopping silo for its whole IdlePoll.
                    var available = await registry.WaitForWorkAsync(seen, options.Value.IdlePoll).WaitAsync(stoppingToken);
                    work = await LeaseAsync(worker, available.SearchesWithWork);
                    if (work is null)
                    {
                        // Park until something changes after what we saw.
                        seen = available.Version;
                        continue;
                    }
                }

                seen = -1;
                metrics.SlotBusy(+1);
                try
                {
                    var result = await grains.GetGrain<ITrainingSlotGrain>(worker).RunAsync(work, stoppingToken.IsCancellationRequested ? null : worker);
                    next = stoppingToken.IsCancellationRequested ? null : result.Next;
                    if (result.Receipt is { } receipt)
                    {
                        pending.Add(work, result.Outcome, receipt, clock.GetUtcNow());
                        await ConfirmAsync(pending.TakeDue(work.SearchId, receipt, clock.GetUtcNow()));
                    }

                    if (next is null)
                    {
                        // Going idle: no later receipt will settle what is still pending.
                        await ConfirmAsync(pending.TakeAll());
                    }
                }
                finally
                {
                    metrics.SlotBusy(-1);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "slot {Worker}: {Message}; retrying", worker, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await ConfirmAsync(pending.TakeAll());

        // Stopping with work leased but not started: give it back so another slot takes it now, not after the lease times out.
        if (next is not null)
        {
            await grains.GetGrain<ISearchGrain>(next.SearchId).ReleaseAsync(next.TrialNumber, next.LeaseToken);
        }
    }

    /// <summary>Activates the slot's grain before it leases anything (<see cref="ITrainingSlotGrain.WarmUpAsync"/>). A
    /// failure costs nothing but the protection: the first attempt then activates it.</summary>
    private async Task WarmUpAsync(string worker, CancellationToken stoppingToken)
    {
        try
        {
            await grains.GetGrain<ITrainingSlotGrain>(worker).WarmUpAsync().WaitAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "slot {Worker}: could not activate its grain ahead of work", worker);
        }
    }

    /// <summary>How long an outcome may stay unconfirmed before the slot asks for it to be stored explicitly: several
    /// coordinator write intervals, so a busy slot's next receipts normally settle it first.</summary>
    private TimeSpan ConfirmAfter => coordinatorOptions.Value.WriteSpacing * 10 + TimeSpan.FromMilliseconds(500);

    /// <summary>Redelivers outcomes and waits until each is stored (idempotent on the coordinator).</summary>
    private async Task ConfirmAsync(IReadOnlyList<PendingOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            try
            {
                var search = grains.GetGrain<ISearchGrain>(outcome.SearchId);
                if (!await ClusterRetry.CallAsync(() => search.CompleteAsync(outcome.TrialNumber, outcome.LeaseToken, outcome.Outcome), coordinatorOptions.Value.LeaseTimeout))
                {
                    logger.LogInformation("trial {Search}/{Trial} lease {LeaseToken}: its outcome was superseded before it was stored", outcome.SearchId, outcome.TrialNumber, outcome.LeaseToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "trial {Search}/{Trial} lease {LeaseToken}: could not confirm its outcome; the coordinator requeues the trial if it lost it", outcome.SearchId, outcome.TrialNumber, outcome.LeaseToken);
            }
        }
    }

    private async Task<WorkItem?> LeaseAsync(string worker, IReadOnlyList<string> searches)
    {
        // The registry lists the least-served searches first (see ShareBook.Order).
        foreach (var searchId in searches)
        {
            var work = await grains.GetGrain<ISearchGrain>(searchId).LeaseAsync(worker);
            if (work is not null)
            {
                return work;
            }
        }

        return null;
    }
}
