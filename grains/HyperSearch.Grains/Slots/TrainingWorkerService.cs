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
        return Task.WhenAll(Enumerable.Range(0, slots).Select(i => Task.Run(() => RunSlotAsync($"{silo.Name}/slot{i}", stoppingToken), stoppingToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop running attempts first so they checkpoint and are handed back before the silo leaves.
        runningTrials.StopAllForShutdown();
        await base.StopAsync(cancellationToken);
    }

    private async Task RunSlotAsync(string worker, CancellationToken stoppingToken)
    {
        var registry = grains.GetGrain<ISearchRegistryGrain>(0);
        var seen = -1L;
        WorkItem? next = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // The last trial's final report usually leased this slot its next work already.
                var work = next;
                next = null;
                if (work is null)
                {
                    var available = await registry.WaitForWorkAsync(seen, options.Value.IdlePoll);
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
                    var result = await grains.GetGrain<ITrialGrain>(TrialGrainKeys.For(work.SearchId, work.TrialNumber, work.Attempt, work.Kind)).RunAsync(work, stoppingToken.IsCancellationRequested ? null : worker);
                    next = stoppingToken.IsCancellationRequested ? null : result.Next;
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

        // Stopping with work leased but not started: give it back so another slot takes it now, not after the lease times out.
        if (next is not null)
        {
            await grains.GetGrain<ISearchGrain>(next.SearchId).ReleaseAsync(next.TrialNumber, next.Attempt);
        }
    }

    private async Task<WorkItem?> LeaseAsync(string worker, IReadOnlyList<string> searches)
    {
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
