using HyperSearch.Contracts.Security;
using HyperSearch.Grains.Persistence;
using HyperSearch.Grains.Security;
using HyperSearch.Grains.Trials;
using HyperSearch.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator of one search. Reentrant: every decision is synchronous between awaits, and writes
/// are group-committed, so slot calls never queue behind a storage write.</summary>
/// <remarks>A reminder (<see cref="ReminderName"/>) reactivates an unfinished search after every silo restarted;
/// activation alone re-drives it (lease expiry, stop conditions). It is removed when the search finishes.</remarks>
[Reentrant]
public sealed class SearchGrain(
    [PersistentState("search", StorageNames.Searches)] IPersistentState<SearchGrainState> snapshot,
    [PersistentState("search-journal", StorageNames.Searches)] IPersistentState<SearchJournal> journal,
    IOptions<CoordinatorOptions> options,
    HyperSearchMetrics metrics,
    ISearchAdmission admission,
    TimeProvider clock,
    Orleans.Serialization.Serializer serializer,
    ILogger<SearchGrain> logger) : Grain, ISearchGrain, IRemindable
{
    public const string ReminderName = "drive";

    private readonly SearchStateStore _store = new(snapshot, journal, serializer);
    private GroupCommit? _commitField;
    private SearchCoordinator? _coordinator;
    private bool? _advertisedWork;
    private long _advertisements;
    private IGrainTimer? _tick;
    private bool _finishedHandled;

    /// <summary>Numbers this activation's changes; all up to <see cref="_storedThrough"/> are written (see
    /// <see cref="CompletionReceipt"/>).</summary>
    private long _changes;
    private long _storedThrough;

    private string SearchId => this.GetPrimaryKeyString();

    private DateTimeOffset Now => clock.GetUtcNow();

    private GroupCommit Commit => _commitField ??= new GroupCommit(WriteAsync, options.Value.WriteSpacing);

    private async Task WriteAsync()
    {
        // The store encodes before its first await, so this write covers every change numbered so far.
        var covered = _changes;
        await _store.WriteAsync();
        _storedThrough = Math.Max(_storedThrough, covered);
    }

    private SearchGrainState State => _store.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _store.Load();
        if (State.Spec is not null)
        {
            // A new generation before serving anything: leases the previous activation handed out but never
            // persisted can then never be confused with new ones.
            State.Generation++;
            _coordinator = new SearchCoordinator(SearchId, State, Now);
            if (options.Value.RequeueRunningOnActivation)
            {
                // Requeued trials resume from their last checkpoint under the same numbers.
                _coordinator.ExpireLeases(Now, TimeSpan.FromTicks(-1));
            }

            await Commit.CommitAsync();
            StartTicking();
            // The chaos test reads this line to learn where the coordinator lives and when it answers again.
            logger.LogInformation("search {SearchId}: coordinator active on silo {Silo}, generation {Generation}", SearchId, SiloName, State.Generation);
        }
    }

    public async Task StartAsync(SearchSpec spec)
    {
        if (_coordinator is not null)
        {
            if (!SpecEquality.Same(_coordinator.Spec, spec))
            {
                throw new InvalidOperationException($"search '{SearchId}' already exists with a different spec");
            }

            return;
        }

        // The CLI's checks again, here, so that no client can skip them; off the scheduler, as they may read data.
        var problems = await Task.Run(() => admission.CheckAsync(spec, CancellationToken.None));
        if (problems.Count > 0)
        {
            metrics.Refused("spec", "operator");
            logger.LogWarning("search {SearchId}: refused spec {Name}: {Problems}", SearchId, spec.Name, string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}")));
            throw new SpecRejectedException(problems);
        }

        if (_coordinator is not null)
        {
            // Another start of the same id won the race while this one was being checked.
            if (!SpecEquality.Same(_coordinator.Spec, spec))
            {
                throw new InvalidOperationException($"search '{SearchId}' already exists with a different spec");
            }

            return;
        }

        _store.Reset(new SearchGrainState
        {
            Spec = spec,
            Generation = 1,
            StartedAt = Now,
            State = SearchState.Running,
            CheckpointRoot = Path.Combine(options.Value.CheckpointDirectory, SearchId),
        });
        _coordinator = new SearchCoordinator(SearchId, State, Now);
        await Commit.CommitAsync();
        await Registry.RegisterAsync(new SearchSummary(SearchId, spec.Name, SearchState.Running, State.StartedAt));
        await FairShare.RefreshAsync(Registry, SearchId, _coordinator, logger);
        logger.LogInformation("search {SearchId} ({Name}) started: {Sampler}/{Scheduler}, {MaxTrials} trials", SearchId, spec.Name, spec.Search.Sampler, spec.Search.Scheduler, spec.Search.MaxTrials);
        logger.LogInformation("search {SearchId}: coordinator active on silo {Silo}, generation {Generation}", SearchId, SiloName, State.Generation);
        StartTicking();
        await SetReminderAsync(register: true);
        await AfterChangeAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Being activated was the point: OnActivateAsync rebuilt the coordinator and started the tick.
        if (State.Spec is null || State.State.IsFinished())
        {
            await SetReminderAsync(register: false);
        }
    }

    public Task<SearchStatus> GetStatusAsync() => Task.FromResult(Coordinator.ToStatus(SearchId));

    public Task<IReadOnlyList<TrialRecord>> GetTrialsAsync() =>
        Task.FromResult<IReadOnlyList<TrialRecord>>(Coordinator.State.Trials.Select(Coordinator.ToRecord).ToList());

    public Task<SearchSpec?> GetSpecAsync() => Task.FromResult(State.Spec);

    public async Task CancelAsync()
    {
        Coordinator.Cancel(Now);
        await AfterChangeAsync();
    }

    public async Task<bool> ResumeAsync()
    {
        if (!Coordinator.Reopen(Now))
        {
            return false;
        }

        logger.LogInformation("search {SearchId} resumed", SearchId);
        _finishedHandled = false;
        StartTicking();
        await SetReminderAsync(register: true);
        await AfterChangeAsync();
        return true;
    }

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
        }
        else if (_advertisedWork == true)
        {
            // Slots were told there is work and there is none now: say so, so they park until it changes.
            await AfterChangeAsync();
        }

        return work;
    }

    public Task<bool> HeartbeatAsync(int trialNumber, int attempt) =>
        Task.FromResult(trialNumber == State.WinnerNumber && State.State == SearchState.EvaluatingWinner
            ? Coordinator.HeartbeatEvaluation(attempt, Now)
            : Coordinator.Heartbeat(trialNumber, attempt, Now));

    public async Task<EpochDecision> ReportEpochAsync(int trialNumber, int attempt, EpochMetrics epoch)
    {
        var decision = Coordinator.ReportEpoch(trialNumber, attempt, epoch, Now);
        if (decision != EpochDecision.Fenced)
        {

            // Not awaited to durability: the attempt's final report carries its whole curve.
            await AfterChangeAsync(durable: false);
        }

        return decision;
    }

    public async Task<IReadOnlyList<EpochDecision>> ReportEpochsAsync(IReadOnlyList<TrialEpochReport> reports)
    {
        var decisions = reports.Select(r => Coordinator.ReportEpoch(r.TrialNumber, r.Attempt, r.Epoch, Now)).ToArray();
        if (decisions.Any(d => d != EpochDecision.Fenced))
        {
            // One change for the batch, not durable, as for a single report.
            await AfterChangeAsync(durable: false);
        }

        return decisions;
    }

    public async Task<bool> CompleteAsync(int trialNumber, int attempt, TrialOutcomeReport outcome)
    {
        if (Coordinator.Complete(trialNumber, attempt, outcome, Now))
        {
            metrics.TrialEnded(SearchId, trialNumber, outcome.State);
        }
        else if (!Coordinator.EndedBy(trialNumber, attempt))
        {
            logger.LogInformation("search {SearchId}: ignored {State} from trial {Trial} attempt {Attempt} (fenced or already ended)", SearchId, outcome.State, trialNumber, attempt);
            return false;
        }

        // Also for a repeat (the confirmation of CompleteAndLease): true only once the outcome is stored.
        await AfterChangeAsync();
        return true;
    }

    public async Task<CompletionReceipt> CompleteAndLeaseAsync(int trialNumber, int attempt, TrialOutcomeReport outcome, string worker)
    {
        var accepted = Coordinator.Complete(trialNumber, attempt, outcome, Now);
        if (accepted)
        {
            metrics.TrialEnded(SearchId, trialNumber, outcome.State);
        }

        accepted = accepted || Coordinator.EndedBy(trialNumber, attempt);
        var next = Coordinator.Lease(worker, Now);
        if (next is { Kind: WorkKind.Train })
        {
            metrics.TrialStarted(SearchId);
        }

        // Not awaited to durability: the slot starts its next trial now and learns from later receipts when this is stored.
        var sequence = await AfterChangeAsync(durable: false);
        return new CompletionReceipt(next, State.Generation, sequence, _storedThrough, accepted);
    }

    public async Task ReleaseAsync(int trialNumber, int attempt)
    {
        if (Coordinator.Release(trialNumber, attempt, Now))
        {
            metrics.TrialEnded(SearchId, trialNumber, null);
            logger.LogInformation("search {SearchId}: trial {Trial} attempt {Attempt} handed back", SearchId, trialNumber, attempt);
            await AfterChangeAsync();
        }
    }

    public async Task ReportTestAsync(int trialNumber, int attempt, TestResult? result, string? failureReason)
    {
        Coordinator.ReportTest(trialNumber, attempt, result, failureReason, Now);
        await AfterChangeAsync();
    }

    private SearchCoordinator Coordinator =>
        _coordinator ?? throw new InvalidOperationException($"search '{SearchId}' does not exist");

    private ISearchRegistryGrain Registry => GrainFactory.GetGrain<ISearchRegistryGrain>(0);

    private void StartTicking() =>
        _tick ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(options.Value.TickInterval, options.Value.TickInterval) { Interleave = true, KeepAlive = true });

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_coordinator is null || State.State.IsFinished())
        {
            _tick?.Dispose();
            _tick = null;
            return;
        }

        foreach (var trial in _coordinator.ExpireLeases(Now, options.Value.LeaseTimeout, DeadSilos()))
        {
            logger.LogWarning("search {SearchId}: trial {Trial} lost its slot (its silo was declared dead, or no report for {Timeout}); requeued", SearchId, trial, options.Value.LeaseTimeout);
            metrics.TrialEnded(SearchId, trial, null);
        }

        await FairShare.RefreshAsync(Registry, SearchId, _coordinator, logger);
        _coordinator.CheckStopConditions(Now);
        await AfterChangeAsync();
    }

    /// <summary>Persists, tells idle slots whether there is work, and stops trials a stop condition ended.</summary>
    private async Task<long> AfterChangeAsync(bool durable = true)
    {
        var sequence = ++_changes;
        var coordinator = Coordinator;
        metrics.ObserveSearch(SearchId, coordinator);
        var committed = Commit.CommitAsync();
        if (durable)
        {
            await committed;
        }
        else
        {
            _ = ObserveAsync(committed);
        }

        foreach (var (number, attempt, worker) in coordinator.TrialsToCancel())
        {
            if (worker is not null)
            {
                await GrainFactory.GetGrain<ITrialGrain>(worker).CancelAsync(SearchId, number, attempt);
            }
        }

        // Only transitions matter: a parked slot wakes on any version change after the one it saw.
        var hasWork = coordinator.HasWork;
        if (_advertisedWork != hasWork || State.State.IsFinished())
        {
            _advertisedWork = hasWork;
            // Not awaited: slots waiting on the registry need not delay the caller; the sequence orders the updates.
            _ = AdvertiseAsync(hasWork, AdvertisementSequence(State.Generation, ++_advertisements));
        }

        if (State.State.IsFinished())
        {
            metrics.SearchFinished(SearchId);
            await OnFinishedAsync();
        }

        return sequence;
    }

    /// <summary>Orders this search's work advertisements across coordinator activations: the generation first, so a
    /// reactivated coordinator's first update supersedes everything its predecessor sent. Numbering them per activation
    /// alone made the registry drop a new activation's updates as late until it had sent as many as the old one, so a
    /// trial requeued after its silo died could wait forever while every idle slot stayed parked.</summary>
    public static long AdvertisementSequence(int generation, long advertisement) =>
        ((long)generation << 32) + Math.Min(advertisement, uint.MaxValue);

    private string SiloName => ServiceProvider.GetService<ILocalSiloDetails>()?.Name ?? "?";

    /// <summary>Names of silos the cluster declared dead (and no live silo uses): their trials are requeued at once
    /// rather than after the lease, so recovery is bounded by Orleans' failure detection when that is the faster.</summary>
    private IReadOnlySet<string> DeadSilos()
    {
        if (_coordinator is not { RunningCount: > 0 } and not { State.State: SearchState.EvaluatingWinner } ||
            ServiceProvider.GetService<IClusterMembershipService>() is not { } membership)
        {
            return EmptyNames;
        }

        var members = membership.CurrentSnapshot.Members.Values;
        var dead = members.Where(m => m.Status == SiloStatus.Dead).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        dead.ExceptWith(members.Where(m => m.Status != SiloStatus.Dead).Select(m => m.Name));
        return dead;
    }

    private static readonly IReadOnlySet<string> EmptyNames = new HashSet<string>();

    /// <summary>Tells the registry; when that fails (its silo just died), the next change tells it again.</summary>
    private async Task AdvertiseAsync(bool hasWork, long sequence)
    {
        try
        {
            await Registry.SetWorkAvailableAsync(SearchId, hasWork, State.State, sequence);
        }
        catch (Exception e)
        {
            _advertisedWork = null;
            logger.LogWarning(e, "search {SearchId}: could not tell the registry whether it has work; the next change retries", SearchId);
        }
    }

    private async Task ObserveAsync(Task write)
    {
        try
        {
            await write;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "search {SearchId}: a background write or notification failed; the next change retries it", SearchId);
        }
    }

    /// <summary>Once per activation of a finished search: drop the reminder and apply the checkpoint retention policy.</summary>
    private async Task OnFinishedAsync()
    {
        if (_finishedHandled)
        {
            return;
        }

        _finishedHandled = true;
        await SetReminderAsync(register: false);
        if (State.State == SearchState.Cancelled)
        {
            // A cancelled search may be resumed (ResumeAsync): its trials continue from these checkpoints.
            return;
        }

        var keep = options.Value.KeepCheckpoints;
        // Decided on the grain's thread (it reads the state); only the file deletions leave it.
        var folders = CheckpointRetention.FoldersToDelete(State, keep, Coordinator.Objective);
        var deleted = folders.Count == 0 ? 0 : await Task.Run(() => CheckpointRetention.Delete(folders, logger));
        if (deleted > 0)
        {
            logger.LogInformation("search {SearchId}: deleted the checkpoints of {Deleted} trial(s), kept the best {Keep}", SearchId, deleted, keep);
        }
    }

    /// <summary>Registers or removes the coordinator reminder; a silo without a reminder service (in-process tests)
    /// simply runs without it.</summary>
    private async Task SetReminderAsync(bool register)
    {
        if (ServiceProvider.GetService<IReminderTable>() is null)
        {
            return;
        }

        try
        {
            if (register)
            {
                var period = options.Value.ReminderPeriod;
                await this.RegisterOrUpdateReminder(ReminderName, period, period);
            }
            else if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease timer still drives a live search; only a full restart needs the reminder.
            logger.LogWarning(e, "search {SearchId}: could not {Action} its reminder", SearchId, register ? "register" : "remove");
        }
    }
}
