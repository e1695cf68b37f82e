using HyperSearch.Tuning;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator's decisions over its persisted state, free of Orleans so it is unit-testable: what to
/// lease next, what to tell a reporting trial, when the search stops and who won. It drives three parts: the
/// <see cref="TrialTable"/>, the <see cref="LeaseBook"/> (leases with fencing) and the <see cref="SearchPolicy"/>
/// (sampler, scheduler, stop conditions).</summary>
/// <remarks>Every method mutates synchronously; the grain persists after each call.</remarks>
public sealed class SearchCoordinator
{
    private readonly SearchGrainState _state;
    private readonly string _searchId;
    private readonly TrialTable _trials;
    private readonly LeaseBook _leases;
    private readonly SearchPolicy _policy;

    public SearchCoordinator(string searchId, SearchGrainState state, DateTimeOffset now)
    {
        var spec = state.Spec ?? throw new InvalidOperationException("the search has no spec");
        _searchId = searchId;
        _state = state;
        _trials = new TrialTable(state.Trials, spec.Search);
        _leases = new LeaseBook(state);
        _policy = new SearchPolicy(spec, _trials);

        // After a restart nobody has heartbeated yet: give running trials a full lease period to show up.
        _leases.Adopt(_trials.Running, now);
    }

    public SearchSpec Spec => _state.Spec!;

    public SearchGrainState State => _state;

    private SearchSettings Settings => Spec.Search;

    private bool Stopping => _state.FinalStateAfterStop is not null;

    public int RunningCount => _trials.RunningCount;

    /// <summary>Trials not yet started: requeued ones plus those the sampler will still propose.</summary>
    public int QueuedCount => _trials.WaitingCount +
        (_state.State == SearchState.Running && !Stopping && CanCreateTrial ? Settings.MaxTrials - _trials.Count : 0);

    /// <summary>Whether a free slot asking now would get work.</summary>
    public bool HasWork =>
        _state.State switch
        {
            SearchState.Running => !Stopping && RunningCount < Settings.MaxConcurrent &&
                (_trials.WaitingCount > 0 || CanCreateTrial),
            SearchState.EvaluatingWinner => !_state.EvaluationLeased,
            _ => false,
        };

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

        var trial = _trials.FirstWaiting ?? CreateTrial();
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
        resume);

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
        return Stopping || _state.State != SearchState.Running ? EpochDecision.Cancel : _policy.Decide(trial);
    }

    public bool Complete(int trialNumber, int leaseToken, TrialOutcomeReport outcome, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial || !outcome.State.IsTerminal())
        {
            return false;
        }

        trial.FailureReason = outcome.FailureReason;
        trial.ParameterCount = outcome.ParameterCount ?? trial.ParameterCount;
        _trials.MergeCurve(trial, outcome.Epochs);
        var state = outcome.State;
        if (state == TrialState.Completed && _policy.UnusableObjective(trial) is { } why)
        {
            // A trial whose objective is NaN, infinite or missing cannot be ranked: it failed, it did not complete.
            state = TrialState.Failed;
            trial.FailureReason = why;
        }

        _trials.SetState(trial, state);
        trial.EndedAt = now;
        _leases.End(trial);
        CheckStopConditions(now);
        return true;
    }

    /// <summary>Whether the attempt holding <paramref name="leaseToken"/> is the one that ended the trial.</summary>
    public bool EndedBy(int trialNumber, int leaseToken) =>
        _trials.Find(trialNumber) is { } trial && trial.State.IsTerminal() && trial.LeaseToken == leaseToken;

    /// <summary>Puts a running trial back in the queue; the next attempt resumes from its checkpoint.</summary>
    public bool Release(int trialNumber, int leaseToken, DateTimeOffset now)
    {
        if (Leased(trialNumber, leaseToken) is not { } trial)
        {
            return false;
        }

        Requeue(trial, now);
        return true;
    }

    private void Requeue(TrialEntry trial, DateTimeOffset now)
    {
        _leases.End(trial);
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
            Requeue(trial, now);
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
        Finish(SearchState.Completed, now);
    }

    public void Cancel(DateTimeOffset now)
    {
        if (_state.State.IsFinished())
        {
            return;
        }

        BeginStop(SearchState.Cancelled, "cancelled by user");
        if (_state.State == SearchState.EvaluatingWinner)
        {
            Finish(SearchState.Cancelled, now);
            return;
        }

        CheckStopConditions(now);
    }

    /// <summary>Undoes a cancel: the search runs again and every cancelled trial waits for a slot; one that had started
    /// resumes from its checkpoint (its next attempt is a resume). False when the search is not cancelled.</summary>
    public bool Reopen(DateTimeOffset now)
    {
        if (_state.State != SearchState.Cancelled)
        {
            return false;
        }

        foreach (var trial in _trials.All.Where(t => t.State == TrialState.Cancelled))
        {
            trial.EndedAt = null;
            _trials.SetState(trial, TrialState.Waiting);
        }

        _state.State = SearchState.Running;
        _state.FinalStateAfterStop = null;
        _state.StopReason = null;
        _state.EndedAt = null;
        _state.EvaluationLeased = false;
        _state.WinnerNumber = null;
        CheckStopConditions(now);
        return true;
    }

    /// <summary>Evaluates every stop condition; moves to winner evaluation or a final state when nothing runs.</summary>
    public void CheckStopConditions(DateTimeOffset now)
    {
        if (_state.State != SearchState.Running)
        {
            return;
        }

        if (_policy.StopCondition(_state.StartedAt, now, CanCreateTrial, _state.SamplerExhausted) is { } stop)
        {
            BeginStop(stop.Final, stop.Reason);
        }

        if (!Stopping)
        {
            return;
        }

        foreach (var waiting in _trials.Waiting.ToList())
        {
            waiting.EndedAt = now;
            _trials.SetState(waiting, TrialState.Cancelled);
        }

        if (RunningCount > 0)
        {
            return;
        }

        var final = _state.FinalStateAfterStop!.Value;
        if (final == SearchState.Completed && BestCompleted() is { } winner)
        {
            _state.WinnerNumber = winner.Number;
            _state.State = SearchState.EvaluatingWinner;
        }
        else if (final == SearchState.Completed)
        {
            // Nothing to show for it: the search failed, whatever stopped it.
            var lastFailure = _trials.LastFailed?.FailureReason;
            _state.StopReason = $"no trial completed ({_state.StopReason}){(lastFailure is null ? "" : $"; last failure: {lastFailure}")}";
            _state.FinalStateAfterStop = SearchState.Failed;
            Finish(SearchState.Failed, now);
        }
        else
        {
            Finish(final, now);
        }
    }

    private void BeginStop(SearchState final, string reason)
    {
        if (Stopping)
        {
            return;
        }

        _state.FinalStateAfterStop = final;
        _state.StopReason = reason;
    }

    private void Finish(SearchState final, DateTimeOffset now)
    {
        _state.State = final;
        _state.EndedAt = now;
        _state.FinalStateAfterStop ??= final;
        _leases.Clear();
    }

    /// <summary>Running trials (number, lease token, slot) that must be told to stop now.</summary>
    public IReadOnlyList<(int Number, int LeaseToken, string? Worker)> TrialsToCancel() =>
        Stopping ? _trials.Running.Select(t => (t.Number, t.LeaseToken, t.Worker)).ToList() : [];

    public double? Objective(TrialEntry trial) => _trials.Objective(trial);

    /// <summary>The best completed trial in the one ranking (<see cref="TrialRanking"/>).</summary>
    public TrialEntry? BestCompleted() => _trials.BestCompleted;

    /// <summary>The study as the algorithms see it; valid until the next call that changes the search.</summary>
    public StudyView StudyView() => _policy.StudyView();
}
