using HyperSearch.Contracts.Security;
using HyperSearch.Grains.Persistence;
using HyperSearch.Grains.Security;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator of one search: its Orleans side (state, timer, reminder, grain calls); the decisions are
/// <see cref="SearchCoordinator"/>'s. Reentrant: every decision is synchronous between awaits, and writes are
/// group-committed, so slot calls never queue behind a storage write. The calls of training slots are in
/// SearchGrain.Slots.cs; this file holds activation, client calls and what follows every change.</summary>
/// <remarks>A reminder (<see cref="ReminderName"/>) reactivates an unfinished search after every silo restarted;
/// activation alone re-drives it (lease expiry, stop conditions). It is removed when the search finishes.</remarks>
[Reentrant]
public sealed partial class SearchGrain(
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
    private NumberedWrites? _writes;
    private WorkAdvertiser? _advertiser;
    private SearchCoordinator? _coordinator;
    private IGrainTimer? _tick;
    private bool _finishedHandled;

    private string SearchId => this.GetPrimaryKeyString();

    private DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>This activation's numbered, group-committed writes (see <see cref="CompletionReceipt"/>).</summary>
    private NumberedWrites Writes => _writes ??= new NumberedWrites(_store.WriteAsync, options.Value.WriteSpacing, options.Value.LazyWriteSpacing);

    private WorkAdvertiser Advertiser => _advertiser ??= new WorkAdvertiser(SearchId, () => Registry, logger);

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

            await Writes.CommitAsync();
            StartTicking();
            // The chaos test reads this line to learn where the coordinator lives and when it answers again.
            logger.LogInformation("search {SearchId}: coordinator active on silo {Silo}, generation {Generation}", SearchId, SiloName, State.Generation);
        }
    }

    public async Task StartAsync(SearchSpec spec)
    {
        if (AlreadyStarted(spec))
        {
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

        // Another start of the same id may have won the race while this one was being checked.
        if (AlreadyStarted(spec))
        {
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
        await Writes.CommitAsync();
        await Registry.RegisterAsync(new SearchSummary(SearchId, spec.Name, SearchState.Running, State.StartedAt));
        await FairShare.RefreshAsync(Registry, SearchId, _coordinator, logger);
        logger.LogInformation("search {SearchId} ({Name}) started: {Sampler}/{Scheduler}, {MaxTrials} trials", SearchId, spec.Name, spec.Search.Sampler, spec.Search.Scheduler, spec.Search.MaxTrials);
        logger.LogInformation("search {SearchId}: coordinator active on silo {Silo}, generation {Generation}", SearchId, SiloName, State.Generation);
        StartTicking();
        await SetReminderAsync(register: true);
        // Stored by the commit above, and nothing changed since: a second write here waited out the write spacing
        // (50 ms) before any slot heard of the work.
        await PublishAsync(Coordinator);
    }

    /// <summary>True when this search runs already with the same spec; throws when it runs with another.</summary>
    private bool AlreadyStarted(SearchSpec spec)
    {
        if (_coordinator is null)
        {
            return false;
        }

        if (!SpecEquality.Same(_coordinator.Spec, spec))
        {
            throw new InvalidOperationException($"search '{SearchId}' already exists with a different spec");
        }

        return true;
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

        var deadSilos = _coordinator is { RunningCount: > 0 } or { State.State: SearchState.EvaluatingWinner }
            ? DeadSilos.In(ServiceProvider.GetService<IClusterMembershipService>())
            : DeadSilos.None;
        foreach (var trial in _coordinator.ExpireLeases(Now, options.Value.LeaseTimeout, deadSilos))
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
        var coordinator = Coordinator;
        var (sequence, stored) = Writes.Record(urgent: durable);
        if (durable)
        {
            await stored;
        }
        else
        {
            _ = ObserveAsync(stored);
        }

        await PublishAsync(coordinator);
        return sequence;
    }

    /// <summary>Tells idle slots whether there is work, stops trials a stop condition ended, and finishes up a finished
    /// search.</summary>
    private async Task PublishAsync(SearchCoordinator coordinator)
    {
        metrics.ObserveSearch(SearchId, coordinator);
        foreach (var (number, leaseToken, worker) in coordinator.TrialsToCancel())
        {
            if (worker is not null)
            {
                await GrainFactory.GetGrain<ITrainingSlotGrain>(worker).CancelAsync(SearchId, number, leaseToken);
            }
        }

        Advertiser.Update(coordinator.HasWork, State.State, State.Generation);
        if (State.State.IsFinished())
        {
            metrics.SearchFinished(SearchId);
            await OnFinishedAsync();
        }
    }

    private string SiloName => ServiceProvider.GetService<ILocalSiloDetails>()?.Name ?? "?";

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
        var deleted = await CheckpointRetention.ApplyAsync(State, keep, Coordinator.Objective, logger);
        if (deleted > 0)
        {
            logger.LogInformation("search {SearchId}: deleted the checkpoints of {Deleted} trial(s), kept the best {Keep}", SearchId, deleted, keep);
        }
    }

    private Task SetReminderAsync(bool register) =>
        new CoordinatorReminder(this, ServiceProvider, ReminderName, options.Value.ReminderPeriod, logger).SetAsync(register);
}
