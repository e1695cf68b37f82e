using HyperSearch.Grains.Trials;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>The coordinator's decisions over its persisted state, free of Orleans so it is unit-testable:
/// what to lease next, what to tell a reporting trial, when the search stops and who won.</summary>
/// <remarks>Every method mutates synchronously; the grain persists after each call.</remarks>
public sealed class SearchCoordinator
{
    private readonly SearchGrainState _state;
    private readonly string _searchId;
    private readonly SearchSpace _space;
    private readonly ISampler _sampler;
    private readonly ITrialScheduler _scheduler;
    private readonly HashSet<string> _triedKeys;
    private readonly Dictionary<int, DateTimeOffset> _lastHeartbeat = [];
    private string? _evaluationWorker;

    // Incremental indexes over the trial table, so each call costs O(1) or O(log n) rather than a scan:
    // a busy search handles thousands of calls over thousands of trials.
    private readonly List<TrialView> _views = [];
    private readonly SortedSet<int> _waiting = [];
    private readonly HashSet<int> _running = [];
    private int _failed;
    private TrialEntry? _best;

    public SearchCoordinator(string searchId, SearchGrainState state, DateTimeOffset now)
    {
        var spec = state.Spec ?? throw new InvalidOperationException("the search has no spec");
        _searchId = searchId;
        _state = state;
        _space = SpaceMapping.ToSearchSpace(spec.Space);
        _sampler = Algorithms.CreateSampler(spec.Search.Sampler, spec.Search.SamplerOptions);
        _scheduler = Algorithms.CreateScheduler(spec.Search.Scheduler, spec.Search.SchedulerOptions, spec.MaxEpochs);
        _triedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trial in state.Trials)
        {
            var parameters = new ParameterSet(trial.Parameters);
            _triedKeys.Add(parameters.Key);
            _views.Add(new TrialView(trial.Number, parameters, SpaceMapping.ToStatus(trial.State), []));
            RefreshView(trial);
            Index(trial, previous: null);
        }

        // After a restart nobody has heartbeated yet: give running trials a full lease period to show up.
        foreach (var trial in state.Trials.Where(t => t.State == TrialState.Running))
        {
            _lastHeartbeat[trial.Number] = now;
        }
    }

    public SearchSpec Spec => _state.Spec!;

    public SearchGrainState State => _state;

    private SearchSettings Settings => Spec.Search;

    private bool Stopping => _state.FinalStateAfterStop is not null;

    public int RunningCount => _running.Count;

    /// <summary>Trials not yet started: requeued ones plus those the sampler will still propose.</summary>
    public int QueuedCount => _waiting.Count +
        (_state.State == SearchState.Running && !Stopping && CanCreateTrial ? Settings.MaxTrials - _state.Trials.Count : 0);

    /// <summary>Slots this search may hold while others wait for theirs (the registry's fair share); null: max_concurrent.</summary>
    public int? ShareLimit { get; set; }

    /// <summary>The slots this search could use now.</summary>
    public int Demand => _state.State == SearchState.Running && !Stopping ? Math.Min(Settings.MaxConcurrent, RunningCount + QueuedCount) : 0;

    /// <summary>Whether a free slot asking now would get work.</summary>
    public bool HasWork =>
        _state.State switch
        {
            SearchState.Running => !Stopping && RunningCount < Math.Min(Settings.MaxConcurrent, ShareLimit ?? int.MaxValue) &&
                (_waiting.Count > 0 || CanCreateTrial),
            SearchState.EvaluatingWinner => !_state.EvaluationLeased,
            _ => false,
        };

    private bool CanCreateTrial => !_state.SamplerExhausted && _state.Trials.Count < Settings.MaxTrials;

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

        var trial = _waiting.Count > 0 ? _state.Trials[_waiting.Min] : CreateTrial();
        if (trial is null)
        {
            // The sampler just ran out: the search may be over.
            CheckStopConditions(now);
            return _state.State == SearchState.EvaluatingWinner ? LeaseEvaluation(worker, now) : null;
        }

        SetState(trial, TrialState.Running);
        trial.Attempt++;
        trial.LeaseToken = Token(trial.Attempt);
        trial.Worker = worker;
        trial.StartedAt ??= now;
        _lastHeartbeat[trial.Number] = now;
        return ToWork(trial, WorkKind.Train, trial.LeaseToken, resume: trial.Attempt > 1);
    }

    private WorkItem? LeaseEvaluation(string worker, DateTimeOffset now)
    {
        if (_state.EvaluationLeased || _state.WinnerNumber is not { } winner)
        {
            return null;
        }

        _evaluationWorker = worker;
        _state.EvaluationLeased = true;
        _state.EvaluationAttempt++;
        _state.EvaluationToken = Token(_state.EvaluationAttempt);
        _lastHeartbeat[-1] = now;
        var trial = _state.Trials[winner];
        return ToWork(trial, WorkKind.EvaluateTest, _state.EvaluationToken, resume: false);
    }

    private int Token(int attempt) => checked(_state.Generation * 10_000 + attempt % 10_000);

    /// <summary>Completes an attempt's curve from what its worker saw: reports are acknowledged before they are
    /// durable (a coordinator that moved may have missed some), and the last epoch is not reported on its own.
    /// Merged by epoch number, so a resumed attempt that only saw its new epochs keeps the earlier ones.</summary>
    private static void AdoptCurve(TrialEntry trial, IReadOnlyList<EpochMetrics>? epochs)
    {
        foreach (var epoch in (epochs ?? []).OrderBy(e => e.Epoch))
        {
            PlaceEpoch(trial, epoch);
        }
    }

    /// <summary>The epoch number decides the slot: a re-reported epoch replaces it and everything after it.</summary>
    private static void PlaceEpoch(TrialEntry trial, EpochMetrics metrics)
    {
        var slot = Math.Max(0, metrics.Epoch - 1);
        if (slot < trial.Epochs.Count)
        {
            trial.Epochs.RemoveRange(slot, trial.Epochs.Count - slot);
        }

        trial.Epochs.Add(metrics);
    }

    private TrialEntry? CreateTrial()
    {
        var number = _state.Trials.Count;
        var suggestion = _sampler.Suggest(StudyView(), number);

        // The sampler contract already forbids repeats; the key set makes "never run twice" independent of it.
        if (suggestion is null || _triedKeys.Contains(suggestion.Key))
        {
            _state.SamplerExhausted = true;
            return null;
        }

        _triedKeys.Add(suggestion.Key);
        var trial = new TrialEntry
        {
            Number = number,
            Parameters = suggestion.Values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            State = TrialState.Waiting,
        };
        _state.Trials.Add(trial);
        _views.Add(new TrialView(number, suggestion, TrialStatus.Waiting, []));
        Index(trial, previous: null);
        return trial;
    }

    private WorkItem ToWork(TrialEntry trial, WorkKind kind, int attempt, bool resume) => new(
        _searchId,
        trial.Number,
        attempt,
        kind,
        trial.Parameters,
        Spec,
        CheckpointRetention.FolderOf(_state, trial.Number),
        resume);

    private bool IsCurrent(int trialNumber, int token, out TrialEntry trial)
    {
        trial = trialNumber >= 0 && trialNumber < _state.Trials.Count ? _state.Trials[trialNumber] : null!;
        return trial is not null && trial.State == TrialState.Running && trial.LeaseToken == token;
    }

    public bool Heartbeat(int trialNumber, int attempt, DateTimeOffset now)
    {
        if (!IsCurrent(trialNumber, attempt, out _))
        {
            return false;
        }

        _lastHeartbeat[trialNumber] = now;
        return true;
    }

    public EpochDecision ReportEpoch(int trialNumber, int attempt, EpochMetrics metrics, DateTimeOffset now)
    {
        if (!IsCurrent(trialNumber, attempt, out var trial))
        {
            return EpochDecision.Fenced;
        }

        _lastHeartbeat[trialNumber] = now;
        // A resumed attempt re-reports from its checkpoint: the epoch number decides the slot, never a count.
        PlaceEpoch(trial, metrics);
        RefreshView(trial);
        if (Stopping || _state.State != SearchState.Running)
        {
            return EpochDecision.Cancel;
        }

        var view = StudyView();
        return _scheduler.OnReport(view, _views[trialNumber]) == SchedulerDecision.Stop
            ? EpochDecision.Stop
            : EpochDecision.Continue;
    }

    public bool Complete(int trialNumber, int attempt, TrialOutcomeReport outcome, DateTimeOffset now)
    {
        if (!IsCurrent(trialNumber, attempt, out var trial) || !outcome.State.IsTerminal())
        {
            return false;
        }

        trial.FailureReason = outcome.FailureReason;
        trial.ParameterCount = outcome.ParameterCount ?? trial.ParameterCount;
        AdoptCurve(trial, outcome.Epochs);
        var state = outcome.State;
        if (state == TrialState.Completed && UnusableObjective(trial) is { } why)
        {
            // A trial whose objective is NaN, infinite or missing cannot be ranked: it failed, it did not complete.
            state = TrialState.Failed;
            trial.FailureReason = why;
        }

        SetState(trial, state);
        trial.EndedAt = now;
        _lastHeartbeat.Remove(trialNumber);
        CheckStopConditions(now);
        return true;
    }

    /// <summary>Why a trial's final objective cannot be ranked, or null when it can.</summary>
    private string? UnusableObjective(TrialEntry trial)
    {
        if (trial.Epochs.Count == 0)
        {
            return $"no epoch reported; objective '{Settings.Metric}' is unknown";
        }

        var last = trial.Epochs[^1];
        if (last.Get(Settings.Metric) is not { } value)
        {
            var reported = string.Join(", ", last.Values.Keys.Order(StringComparer.Ordinal));
            return $"objective '{Settings.Metric}' was never reported (epoch {last.Epoch} reported: {(reported.Length == 0 ? "nothing" : reported)})";
        }

        return double.IsFinite(value) ? null : $"diverged: objective {Settings.Metric} is {(double.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity")} at epoch {last.Epoch}";
    }

    /// <summary>Whether the attempt holding <paramref name="attempt"/> (its lease token) is the one that ended the trial.</summary>
    public bool EndedBy(int trialNumber, int attempt) =>
        trialNumber >= 0 && trialNumber < _state.Trials.Count &&
        _state.Trials[trialNumber] is { } trial && trial.State.IsTerminal() && trial.LeaseToken == attempt;

    /// <summary>Puts a running trial back in the queue; the next attempt resumes from its checkpoint.</summary>
    public bool Release(int trialNumber, int attempt, DateTimeOffset now)
    {
        if (!IsCurrent(trialNumber, attempt, out var trial))
        {
            return false;
        }

        Requeue(trial, now);
        return true;
    }

    private void Requeue(TrialEntry trial, DateTimeOffset now)
    {
        _lastHeartbeat.Remove(trial.Number);
        trial.Worker = null;
        if (Stopping)
        {
            trial.EndedAt = now;
            SetState(trial, TrialState.Cancelled);
            CheckStopConditions(now);
        }
        else
        {
            SetState(trial, TrialState.Waiting);
        }
    }

    /// <summary>Requeues trials (and the winner's evaluation) whose slot went silent or whose silo is in
    /// <paramref name="deadSilos"/> (declared dead by the cluster): its silo died.</summary>
    public IReadOnlyList<int> ExpireLeases(DateTimeOffset now, TimeSpan leaseTimeout, IReadOnlySet<string>? deadSilos = null)
    {
        var expired = _running
            .Where(n => !_lastHeartbeat.TryGetValue(n, out var seen) || now - seen > leaseTimeout ||
                        (deadSilos is { Count: > 0 } && _state.Trials[n].Worker is { } worker && deadSilos.Contains(TrialGrainKeys.SiloOf(worker))))
            .Order()
            .Select(n => _state.Trials[n])
            .ToList();
        foreach (var trial in expired)
        {
            Requeue(trial, now);
        }

        if (_state.State == SearchState.EvaluatingWinner && _state.EvaluationLeased &&
            (!_lastHeartbeat.TryGetValue(-1, out var evalSeen) || now - evalSeen > leaseTimeout ||
             (deadSilos is { Count: > 0 } && _evaluationWorker is { } evaluator && deadSilos.Contains(TrialGrainKeys.SiloOf(evaluator)))))
        {
            // The next lease gets a new token, so a late report of this evaluation is refused: it runs once more, not twice.
            _state.EvaluationLeased = false;
            _evaluationWorker = null;
        }

        return expired.Select(t => t.Number).ToList();
    }

    public bool HeartbeatEvaluation(int attempt, DateTimeOffset now)
    {
        if (_state.State != SearchState.EvaluatingWinner || attempt != _state.EvaluationToken)
        {
            return false;
        }

        _lastHeartbeat[-1] = now;
        return true;
    }

    public void ReportTest(int trialNumber, int attempt, TestResult? result, string? failure, DateTimeOffset now)
    {
        if (_state.State != SearchState.EvaluatingWinner || attempt != _state.EvaluationToken || trialNumber != _state.WinnerNumber)
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

        foreach (var trial in _state.Trials.Where(t => t.State == TrialState.Cancelled))
        {
            trial.EndedAt = null;
            SetState(trial, TrialState.Waiting);
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

        var failed = _failed;
        if (failed > Settings.MaxFailedTrials)
        {
            var lastReason = _state.Trials.Last(t => t.State == TrialState.Failed).FailureReason;
            BeginStop(SearchState.Failed, $"{failed} trials failed (max_failed_trials is {Settings.MaxFailedTrials}); last: {lastReason}");
        }
        else if (Settings.TimeBudget is { } budget && now - _state.StartedAt >= budget)
        {
            BeginStop(SearchState.Completed, $"time budget of {budget} used");
        }
        else if (Settings.TargetValue is { } target && BestCompleted() is { } best &&
                 (Settings.Maximize ? Objective(best) >= target : Objective(best) <= target))
        {
            BeginStop(SearchState.Completed, $"target {Settings.Metric} {target} reached by trial {best.Number}");
        }
        else if (!CanCreateTrial && _running.Count == 0 && _waiting.Count == 0)
        {
            BeginStop(SearchState.Completed, _state.SamplerExhausted ? "search space exhausted" : $"max_trials ({Settings.MaxTrials}) done");
        }

        if (!Stopping)
        {
            return;
        }

        foreach (var waiting in _waiting.ToList())
        {
            _state.Trials[waiting].EndedAt = now;
            SetState(_state.Trials[waiting], TrialState.Cancelled);
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
            var lastFailure = _state.Trials.LastOrDefault(t => t.State == TrialState.Failed)?.FailureReason;
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
        _lastHeartbeat.Clear();
    }

    /// <summary>Running trials (number, lease token, slot) that must be told to stop now.</summary>
    public IReadOnlyList<(int Number, int Attempt, string? Worker)> TrialsToCancel() =>
        Stopping ? _running.Order().Select(n => (n, _state.Trials[n].LeaseToken, _state.Trials[n].Worker)).ToList() : [];

    public double? Objective(TrialEntry trial) => trial.Epochs.Count == 0 ? null : trial.Epochs[^1].Get(Settings.Metric);

    /// <summary>The best completed trial by objective; ties go to fewer parameters, then to the earlier trial.</summary>
    public TrialEntry? BestCompleted() => _best;

    private bool IsBetter(TrialEntry candidate, TrialEntry? incumbent)
    {
        if (Objective(candidate) is not { } value || double.IsNaN(value))
        {
            return false;
        }

        if (incumbent is null)
        {
            return true;
        }

        var best = Objective(incumbent)!.Value;
        if (value != best)
        {
            return Settings.Maximize ? value > best : value < best;
        }

        var (mine, theirs) = (candidate.ParameterCount ?? long.MaxValue, incumbent.ParameterCount ?? long.MaxValue);
        return mine != theirs ? mine < theirs : candidate.Number < incumbent.Number;
    }

    private void SetState(TrialEntry trial, TrialState state)
    {
        var previous = trial.State;
        trial.State = state;
        Index(trial, previous);
        RefreshView(trial);
    }

    /// <summary>Moves a trial between the indexes when its state changes (previous null: newly indexed).</summary>
    private void Index(TrialEntry trial, TrialState? previous)
    {
        switch (previous)
        {
            case TrialState.Waiting:
                _waiting.Remove(trial.Number);
                break;
            case TrialState.Running:
                _running.Remove(trial.Number);
                break;
        }

        switch (trial.State)
        {
            case TrialState.Waiting:
                _waiting.Add(trial.Number);
                break;
            case TrialState.Running:
                _running.Add(trial.Number);
                break;
            case TrialState.Failed when previous != TrialState.Failed:
                _failed++;
                break;
            case TrialState.Completed when IsBetter(trial, _best):
                _best = trial;
                break;
        }
    }

    private void RefreshView(TrialEntry trial) =>
        _views[trial.Number] = _views[trial.Number] with
        {
            Status = SpaceMapping.ToStatus(trial.State),
            Curve = trial.Epochs.Select(e => e.Get(Settings.Metric) ?? double.NaN).ToArray(),
        };

    /// <summary>The study as the algorithms see it; valid until the next call that changes the search.</summary>
    public StudyView StudyView() => new(
        _space,
        _views,
        Settings.Maximize ? Direction.Maximize : Direction.Minimize,
        Settings.Seed,
        Spec.MaxEpochs)
    {
        TakenKeys = _triedKeys,
    };
}
