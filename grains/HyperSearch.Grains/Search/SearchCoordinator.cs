using HyperSearch.Tuning;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator's decisions over its persisted state, free of Orleans so it is unit-testable: what to
/// lease next, what to tell a reporting trial, when the search stops and who won. It drives three parts: the
/// <see cref="TrialTable"/>, the <see cref="LeaseBook"/> (leases with fencing) and the <see cref="SearchPolicy"/>
/// (sampler, scheduler, stop conditions); <see cref="SearchLifecycle"/> moves the search between its states.</summary>
/// <remarks>Every method mutates synchronously; the grain persists after each call.</remarks>
public sealed class SearchCoordinator
{
    private readonly SearchGrainState _state;
    private readonly string _searchId;
    private readonly TrialTable _trials;
    private readonly LeaseBook _leases;
    private readonly SearchPolicy _policy;
    private readonly SearchLifecycle _lifecycle;
    private readonly PbtRounds? _pbt;

    public SearchCoordinator(string searchId, SearchGrainState state, DateTimeOffset now)
    {
        var spec = state.Spec ?? throw new InvalidOperationException("the search has no spec");
        _searchId = searchId;
        _state = state;
        _trials = new TrialTable(state.Trials, spec.Search);
        _leases = new LeaseBook(state);
        _policy = new SearchPolicy(spec, _trials);
        _pbt = PbtRounds.For(state, _trials);
        _lifecycle = new SearchLifecycle(state, _trials, _leases, _policy, () => CanCreateTrial);

        // After a restart nobody has heartbeated yet: give running trials a full lease period to show up.
        _leases.Adopt(_trials.Running, now);
    }

    public SearchSpec Spec => _state.Spec!;

    public SearchGrainState State => _state;

    private SearchSettings Settings => Spec.Search;

    private bool Stopping => _lifecycle.Stopping;

    public int RunningCount => _trials.RunningCount;

    /// <summary>Trials not yet started: requeued ones plus those the sampler will still propose.</summary>
    public int QueuedCount => _trials.WaitingCount +
        (_state.State == SearchState.Running && !Stopping && CanCreateTrial ? Settings.MaxTrials - _trials.Count : 0);

    /// <summary>Slots this search may hold while others wait for theirs (the registry's fair share); null: max_concurrent.</summary>
    public int? ShareLimit { get; set; }

    /// <summary>The slots this search could use now.</summary>
    public int Demand => _state.State == SearchState.Running && !Stopping ? Math.Min(Settings.MaxConcurrent, RunningCount + QueuedCount) : 0;

    /// <summary>Whether a free slot asking now would get work.</summary>
    public bool HasWork =>
        _state.State switch
        {
            SearchState.Running => !Stopping && RunningCount < Math.Min(Settings.MaxConcurrent, ShareLimit ?? int.MaxValue) &&
                (NextWaiting is not null || CanCreateTrial),
            SearchState.EvaluatingWinner => !_state.EvaluationLeased,
            _ => false,
        };

    /// <summary>The waiting trial leased next: the earliest requeued one (PBT: the earliest whose round is done).</summary>
    private TrialEntry? NextWaiting => _pbt is null ? _trials.FirstWaiting : _pbt.FirstReady;

    private bool CanCreateTrial => !_state.SamplerExhausted && _trials.Count < Settings.MaxTrials;

    public WorkItem? Lease(string worker, DateTimeOffset now)
    {
        if (_state.State == SearchState.EvaluatingWinner)
        {
            return LeaseEvaluation(worker, now);
        }

        if (!HasWork)
        {
            return null;
        }

        var trial = NextWaiting ?? CreateTrial() ?? NextWaiting;
        if (trial is null)
        {
            // The sampler just ran out: the search may be over.
            CheckStopConditions(now);
            return _state.State == SearchState.EvaluatingWinner ? LeaseEvaluation(worker, now) : null;
        }

        _trials.SetState(trial, TrialState.Running);
        var token = _leases.Grant(trial, worker, now);
        trial.StartedAt ??= now;
        return ToWork(trial, WorkKind.Train, token, resume: trial.Attempt > 1);
    }

    private WorkItem? LeaseEvaluation(string worker, DateTimeOffset now)
    {
        if (_state.EvaluationLeased || _state.WinnerNumber is not { } winner)
        {
            return null;
        }

        var token = _leases.GrantEvaluation(worker, now);
        return ToWork(_trials[winner], WorkKind.EvaluateTest, token, resume: false);
    }

    private TrialEntry? CreateTrial()
    {
        var configuration = _policy.NextConfiguration(_trials.Count);
        var trial = configuration is null ? null : _trials.Add(configuration);
        if (trial is null)
        {
            _state.SamplerExhausted = true;
            // A smaller population than max_trials: the members already paused need not wait for more.
            _pbt?.TryDecideRound();
        }

        return trial;
    }

    private WorkItem ToWork(TrialEntry trial, WorkKind kind, int leaseToken, bool resume) => new(
        _searchId,
        trial.Number,
        leaseToken,
        kind,
        trial.Parameters,
        Spec,
        CheckpointRetention.FolderOf(_state, trial.Number),
        resume,
        kind == WorkKind.Train ? trial.CloneFrom : null);

    /// <summary>The trial that <paramref name="leaseToken"/> currently leases, or null when the token is fenced off.</summary>
    private TrialEntry? Leased(int trialNumber, int leaseToken) =>
        _trials.Find(trialNumber) is { } trial && LeaseBook.Holds(trial, leaseToken) ? trial : null;

    public bool Heartbeat(int trialNumber, int leaseToken, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial)
        {
            return false;
        }

        _leases.Renew(trial, now);
        return true;
    }

    public EpochDecision ReportEpoch(int trialNumber, int leaseToken, EpochMetrics metrics, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial)
        {
            return EpochDecision.Fenced;
        }

        _leases.Renew(trial, now);
        _trials.AddEpoch(trial, metrics);
        return Stopping || _state.State != SearchState.Running ? EpochDecision.Cancel : _pbt?.Decide(trial, metrics) ?? _policy.Decide(trial);
    }

    public bool Complete(int trialNumber, int leaseToken, TrialOutcomeReport outcome, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial || !outcome.State.IsTerminal())
        {
            return false;
        }

        trial.FailureReason = outcome.FailureReason;
        trial.StderrTail = outcome.StderrTail;
        trial.ParameterCount = outcome.ParameterCount ?? trial.ParameterCount;
        _trials.MergeCurve(trial, outcome.Epochs);
        PbtRounds.RecordClone(trial, outcome.Cloning);
        if (_pbt is not null && _pbt.TryPause(trial, outcome, leaseToken))
        {
            // Not an end: the trial waits for its population's round, then goes on in a new attempt.
            _leases.End(trial, now, "paused at an interval");
            trial.Worker = null;
            _trials.SetState(trial, TrialState.Waiting);
            _pbt.TryDecideRound();
            CheckStopConditions(now);
            return true;
        }

        var state = outcome.State;
        if (state == TrialState.Completed && _policy.UnusableObjective(trial) is { } why)
        {
            // A trial whose objective is NaN, infinite or missing cannot be ranked: it failed, it did not complete.
            state = TrialState.Failed;
            trial.FailureReason = why;
        }

        _trials.SetState(trial, state);
        trial.EndedAt = now;
        _leases.End(trial, now, state.ToString().ToLowerInvariant());
        _pbt?.TryDecideRound();
        CheckStopConditions(now);
        return true;
    }

    /// <summary>Whether the attempt holding <paramref name="leaseToken"/> is the one that ended the trial (or, under
    /// PBT, paused it and no later attempt started), so a retried outcome call is answered as the first one was.</summary>
    public bool EndedBy(int trialNumber, int leaseToken) =>
        _trials.Find(trialNumber) is { } trial && trial.LeaseToken == leaseToken &&
        (trial.State.IsTerminal() || (trial.State == TrialState.Waiting && trial.PausedToken == leaseToken));

    /// <summary>Puts a running trial back in the queue; the next attempt resumes from its checkpoint.</summary>
    public bool Release(int trialNumber, int leaseToken, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial)
        {
            return false;
        }

        Requeue(trial, now, "released");
        return true;
    }

    private void Requeue(TrialEntry trial, DateTimeOffset now, string why)
    {
        _leases.End(trial, now, why);
        trial.Worker = null;
        if (Stopping)
        {
            trial.EndedAt = now;
            _trials.SetState(trial, TrialState.Cancelled);
            CheckStopConditions(now);
        }
        else
        {
            _trials.SetState(trial, TrialState.Waiting);
        }
    }

    /// <summary>Requeues trials (and the winner's evaluation) whose slot went silent or whose silo is in
    /// <paramref name="deadSilos"/> (declared dead by the cluster): its silo died.</summary>
    public IReadOnlyList<int> ExpireLeases(DateTimeOffset now, TimeSpan leaseTimeout, IReadOnlySet<string>? deadSilos = null)
    {
        var expired = _leases.Expired(_trials.Running, now, leaseTimeout, deadSilos).ToList();
        foreach (var trial in expired)
        {
            Requeue(trial, now, "lease expired");
        }

        _leases.ExpireEvaluation(now, leaseTimeout, deadSilos);
        return expired.Select(t => t.Number).ToList();
    }

    public bool HeartbeatEvaluation(int leaseToken, DateTimeOffset now) => _leases.RenewEvaluation(leaseToken, now);

    public void ReportTest(int trialNumber, int leaseToken, TestResult? result, string? failure, DateTimeOffset now)
    {
        if (!_leases.HoldsEvaluation(leaseToken) || trialNumber != _state.WinnerNumber)
        {
            return;
        }

        _state.Test = result;
        _state.EvaluationFailure = failure;
        _lifecycle.Finish(SearchState.Completed, now);
    }

    public void Cancel(DateTimeOffset now) => _lifecycle.Cancel(now);

    /// <inheritdoc cref="SearchLifecycle.Reopen"/>
    public bool Reopen(DateTimeOffset now) => _lifecycle.Reopen(now);

    /// <inheritdoc cref="SearchLifecycle.CheckStopConditions"/>
    public void CheckStopConditions(DateTimeOffset now) => _lifecycle.CheckStopConditions(now);

    /// <summary>Running trials (number, lease token, slot) that must be told to stop now.</summary>
    public IReadOnlyList<(int Number, int LeaseToken, string? Worker)> TrialsToCancel() =>
        Stopping ? _trials.Running.Select(t => (t.Number, t.LeaseToken, t.Worker)).ToList() : [];

    public double? Objective(TrialEntry trial) => _trials.Objective(trial);

    /// <summary>The best completed trial in the one ranking (<see cref="TrialRanking"/>).</summary>
    public TrialEntry? BestCompleted() => _trials.BestCompleted;

    /// <summary>The study as the algorithms see it; valid until the next call that changes the search.</summary>
    public StudyView StudyView() => _policy.StudyView();
}
