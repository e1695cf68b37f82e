using HyperSearch.Grains.Persistence;
using HyperSearch.Grains.Trials;
using HyperSearch.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator of one search. Reentrant: every decision is synchronous between awaits, and writes
/// are group-committed, so slot calls never queue behind a storage write.</summary>
[Reentrant]
public sealed class SearchGrain(
    [PersistentState("search", StorageNames.Searches)] IPersistentState<SearchGrainState> persisted,
    IOptions<CoordinatorOptions> options,
    HyperSearchMetrics metrics,
    TimeProvider clock,
    ILogger<SearchGrain> logger) : Grain, ISearchGrain
{
    private readonly GroupCommit _commit = new(persisted.WriteStateAsync);
    private SearchCoordinator? _coordinator;
    private bool? _advertisedWork;
    private IGrainTimer? _tick;

    private string SearchId => this.GetPrimaryKeyString();

    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (persisted.State.Spec is not null)
        {
            _coordinator = new SearchCoordinator(SearchId, persisted.State, Now);
            StartTicking();
        }

        return Task.CompletedTask;
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

        persisted.State.Spec = spec;
        persisted.State.StartedAt = Now;
        persisted.State.State = SearchState.Running;
        persisted.State.CheckpointRoot = Path.Combine(options.Value.CheckpointDirectory, SearchId);
        _coordinator = new SearchCoordinator(SearchId, persisted.State, Now);
        await _commit.CommitAsync();
        await Registry.RegisterAsync(new SearchSummary(SearchId, spec.Name, SearchState.Running, persisted.State.StartedAt));
        logger.LogInformation("search {SearchId} ({Name}) started: {Sampler}/{Scheduler}, {MaxTrials} trials", SearchId, spec.Name, spec.Search.Sampler, spec.Search.Scheduler, spec.Search.MaxTrials);
        StartTicking();
        await AfterChangeAsync();
    }

    public Task<SearchStatus> GetStatusAsync() => Task.FromResult(Coordinator.ToStatus(SearchId));

    public Task<IReadOnlyList<TrialRecord>> GetTrialsAsync() =>
        Task.FromResult<IReadOnlyList<TrialRecord>>(Coordinator.State.Trials.Select(Coordinator.ToRecord).ToList());

    public Task<SearchSpec?> GetSpecAsync() => Task.FromResult(persisted.State.Spec);

    public async Task CancelAsync()
    {
        Coordinator.Cancel(Now);
        await AfterChangeAsync();
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

            await AfterChangeAsync();
        }
        else if (_advertisedWork == true)
        {
            // Slots were told there is work and there is none now: say so, so they park until it changes.
            await AfterChangeAsync();
        }

        return work;
    }

    public Task<bool> HeartbeatAsync(int trialNumber, int attempt) =>
        Task.FromResult(trialNumber == persisted.State.WinnerNumber && persisted.State.State == SearchState.EvaluatingWinner
            ? Coordinator.HeartbeatEvaluation(attempt, Now)
            : Coordinator.Heartbeat(trialNumber, attempt, Now));

    public async Task<EpochDecision> ReportEpochAsync(int trialNumber, int attempt, EpochMetrics epoch)
    {
        var decision = Coordinator.ReportEpoch(trialNumber, attempt, epoch, Now);
        if (decision != EpochDecision.Fenced)
        {
            metrics.EpochReported(SearchId, trialNumber, epoch);
            await AfterChangeAsync();
        }

        return decision;
    }

    public async Task<bool> CompleteAsync(int trialNumber, int attempt, TrialOutcomeReport outcome)
    {
        if (!Coordinator.Complete(trialNumber, attempt, outcome, Now))
        {
            logger.LogInformation("search {SearchId}: ignored {State} from trial {Trial} attempt {Attempt} (fenced or already ended)", SearchId, outcome.State, trialNumber, attempt);
            return false;
        }

        metrics.TrialEnded(SearchId, trialNumber, outcome.State);
        await AfterChangeAsync();
        return true;
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
        if (_coordinator is null || persisted.State.State.IsFinished())
        {
            _tick?.Dispose();
            _tick = null;
            return;
        }

        foreach (var trial in _coordinator.ExpireLeases(Now, options.Value.LeaseTimeout))
        {
            logger.LogWarning("search {SearchId}: trial {Trial} lost its slot (no report for {Timeout}); requeued", SearchId, trial, options.Value.LeaseTimeout);
            metrics.TrialEnded(SearchId, trial, null);
        }

        _coordinator.CheckStopConditions(Now);
        await AfterChangeAsync();
    }

    /// <summary>Persists, tells idle slots whether there is work, and stops trials a stop condition ended.</summary>
    private async Task AfterChangeAsync()
    {
        var coordinator = Coordinator;
        metrics.ObserveSearch(SearchId, coordinator);
        await _commit.CommitAsync();

        foreach (var (number, attempt) in coordinator.TrialsToCancel())
        {
            await GrainFactory.GetGrain<ITrialGrain>(TrialGrainKeys.For(SearchId, number, attempt, WorkKind.Train)).CancelAsync();
        }

        // Only transitions matter: a parked slot wakes on any version change after the one it saw.
        var hasWork = coordinator.HasWork;
        if (_advertisedWork != hasWork || persisted.State.State.IsFinished())
        {
            _advertisedWork = hasWork;
            await Registry.SetWorkAvailableAsync(SearchId, hasWork, persisted.State.State);
        }

        if (persisted.State.State.IsFinished())
        {
            metrics.SearchFinished(SearchId);
        }
    }
}
