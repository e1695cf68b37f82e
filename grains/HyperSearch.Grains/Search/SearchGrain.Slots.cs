using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Search;

/// <summary>The slot protocol of a search's coordinator: leases, heartbeats, epoch reports, outcomes, the test result.</summary>
public sealed partial class SearchGrain
{
    public async Task<WorkItem?> LeaseAsync(string worker)
    {
        if (_coordinator is null)
        {
            return null;
        }

        var work = _coordinator.Lease(worker, Now);
        if (work is not null)
        {
            if (work.Kind == WorkKind.Train)
            {
                metrics.TrialStarted(SearchId);
            }

            // Not awaited to durability: a lease lost with this activation is fenced by the next generation.
            await AfterChangeAsync(durable: false);
            ReportRunningMoved();
        }
        else if (Advertiser.AdvertisedWork)
        {
            // Slots were told there is work and there is none now: say so, so they park until it changes.
            await AfterChangeAsync();
        }

        return work;
    }

    public Task<bool> HeartbeatAsync(int trialNumber, int leaseToken) =>
        Task.FromResult(trialNumber == State.WinnerNumber && State.State == SearchState.EvaluatingWinner
            ? Coordinator.HeartbeatEvaluation(leaseToken, Now)
            : Coordinator.Heartbeat(trialNumber, leaseToken, Now));

    public async Task<EpochDecision> ReportEpochAsync(int trialNumber, int leaseToken, EpochMetrics epoch)
    {
        var decision = Coordinator.ReportEpoch(trialNumber, leaseToken, epoch, Now);
        if (decision != EpochDecision.Fenced)
        {

            // Not awaited to durability: the lease holder's final report carries its whole curve.
            await AfterChangeAsync(durable: false);
        }

        return decision;
    }

    public async Task<IReadOnlyList<EpochDecision>> ReportEpochsAsync(IReadOnlyList<TrialEpochReport> reports)
    {
        var decisions = reports.Select(r => Coordinator.ReportEpoch(r.TrialNumber, r.LeaseToken, r.Epoch, Now)).ToArray();
        if (decisions.Any(d => d != EpochDecision.Fenced))
        {
            // One change for the batch, not durable, as for a single report.
            await AfterChangeAsync(durable: false);
        }

        return decisions;
    }

    public async Task<bool> CompleteAsync(int trialNumber, int leaseToken, TrialOutcomeReport outcome)
    {
        if (Coordinator.Complete(trialNumber, leaseToken, outcome, Now))
        {
            metrics.TrialEnded(SearchId, trialNumber, EndState(trialNumber));
        }
        else if (!Coordinator.EndedBy(trialNumber, leaseToken))
        {
            logger.LogInformation("search {SearchId}: ignored {State} from trial {Trial} leaseToken {Attempt} (fenced or already ended)", SearchId, outcome.State, trialNumber, leaseToken);
            return false;
        }

        // Also for a repeat (the confirmation of CompleteAndLease): true only once the outcome is stored.
        await AfterChangeAsync();
        return true;
    }

    public async Task<CompletionReceipt> CompleteAndLeaseAsync(int trialNumber, int leaseToken, TrialOutcomeReport outcome, string worker)
    {
        var accepted = Coordinator.Complete(trialNumber, leaseToken, outcome, Now);
        if (accepted)
        {
            metrics.TrialEnded(SearchId, trialNumber, EndState(trialNumber));
        }

        accepted = accepted || Coordinator.EndedBy(trialNumber, leaseToken);
        var next = Coordinator.Lease(worker, Now);
        if (next is { Kind: WorkKind.Train })
        {
            metrics.TrialStarted(SearchId);
        }

        // Not awaited to durability: the slot starts its next trial now and learns from later receipts when this is stored.
        var sequence = await AfterChangeAsync(durable: false);
        if (accepted && next is null)
        {
            ReportRunningMoved();
        }

        return new CompletionReceipt(next, State.Generation, sequence, Writes.StoredThrough, accepted);
    }

    public async Task ReleaseAsync(int trialNumber, int leaseToken)
    {
        if (Coordinator.Release(trialNumber, leaseToken, Now))
        {
            metrics.TrialEnded(SearchId, trialNumber, null);
            logger.LogInformation("search {SearchId}: trial {Trial} leaseToken {Attempt} handed back", SearchId, trialNumber, leaseToken);
            await AfterChangeAsync();
        }
    }

    public async Task ReportTestAsync(int trialNumber, int leaseToken, TestResult? result, string? failureReason)
    {
        Coordinator.ReportTest(trialNumber, leaseToken, result, failureReason, Now);
        await AfterChangeAsync();
    }

    public Task SetShareLimitAsync(int? limit)
    {
        if (_coordinator is { } coordinator && !State.State.IsFinished())
        {
            // A raised limit may mean work for idle slots; a lowered one takes effect at the next lease.
            var wasUnlimited = coordinator.ShareLimit is null;
            coordinator.ShareLimit = limit;
            Advertiser.Update(coordinator.HasWork, State.State, State.Generation);
            if (wasUnlimited)
            {
                // Its slots moved unreported while it had no limit (see ReportRunningMoved).
                ReportRunningMoved();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Tells the registry at once when a slot joined or left this search (a slot that goes on to the search's
    /// next trial changes nothing), so idle slots go to the searches that hold least now, not at the last tick. Before
    /// this, when over-served searches freed slots half a second into bench scale (b), the registry still ranked every
    /// search by its start-time count of none, and a search that had none got its first slot only a second later.
    /// Not awaited: the slot need not wait for the registry.</summary>
    private void ReportRunningMoved()
    {
        // Without a limit the search has no share to keep, and its ticks report its count: in bench scale (a), one
        // search on 1,024 slots, these reports were a registry call per slot as it started and again as it ended.
        if (_coordinator is { ShareLimit: not null } coordinator)
        {
            _ = FairShare.RefreshAsync(Registry, SearchId, coordinator, logger);
        }
    }

    /// <summary>The state the coordinator gave an accepted outcome: a PBT pause is Waiting (counted as no ending), and an
    /// objective that cannot be ranked turns Completed into Failed.</summary>
    private TrialState EndState(int trialNumber) => Coordinator.State.Trials[trialNumber].State;
}
