using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Search;

/// <summary>Leases with fencing: which slot holds each running trial and the winner's test evaluation, under which
/// lease token, and when it was last heard from. A report is accepted only with the current token, so a slot that
/// lost its lease (silent too long, silo dead, coordinator restarted) can never change the trial again.</summary>
/// <remarks>Tokens are generation × 10,000 + attempt: the generation grows with every coordinator activation, so a
/// lease handed out by an activation that died before persisting it never collides with a later one. When each
/// lease was last heard from is not persisted: after a restart every running trial gets a full lease period.</remarks>
internal sealed class LeaseBook(SearchGrainState state)
{
    private readonly Dictionary<int, DateTimeOffset> _trialLastSeen = [];
    private EvaluationLease? _evaluation;

    /// <summary>The slot evaluating the winner and when it was last heard from; null when nobody holds that lease in
    /// this activation (a lease from a previous activation then expires on the next check).</summary>
    private sealed record EvaluationLease(string? Worker, DateTimeOffset LastSeen);

    /// <summary>Starts the lease period of trials that were running when this activation began.</summary>
    public void Adopt(IEnumerable<TrialEntry> running, DateTimeOffset now)
    {
        foreach (var trial in running)
        {
            _trialLastSeen[trial.Number] = now;
        }
    }

    /// <summary>Leases a trial to <paramref name="worker"/> with a new token; its previous holder is fenced off.</summary>
    public int Grant(TrialEntry trial, string worker, DateTimeOffset now)
    {
        trial.Attempt++;
        trial.LeaseToken = Token(trial.Attempt);
        trial.Worker = worker;
        trial.Attempts.Add(new TrialAttempt(trial.LeaseToken, worker, now));
        _trialLastSeen[trial.Number] = now;
        return trial.LeaseToken;
    }

    /// <summary>Whether <paramref name="leaseToken"/> is the current lease of a running trial.</summary>
    public static bool Holds(TrialEntry? trial, int leaseToken) =>
        trial is { State: TrialState.Running } && trial.LeaseToken == leaseToken;

    public void Renew(TrialEntry trial, DateTimeOffset now) => _trialLastSeen[trial.Number] = now;

    /// <summary>Ends a trial's lease (it ended or went back to the queue), noting how in its attempt history.</summary>
    public void End(TrialEntry trial, DateTimeOffset now, string ending)
    {
        _trialLastSeen.Remove(trial.Number);
        var last = trial.Attempts.Count - 1;
        if (last >= 0 && trial.Attempts[last] is { EndedAt: null } open && open.LeaseToken == trial.LeaseToken)
        {
            trial.Attempts[last] = open with { EndedAt = now, Ending = ending };
        }
    }

    /// <summary>The running trials whose slot went silent for longer than <paramref name="leaseTimeout"/> or whose silo
    /// is in <paramref name="deadSilos"/> (declared dead by the cluster).</summary>
    public IEnumerable<TrialEntry> Expired(IEnumerable<TrialEntry> running, DateTimeOffset now, TimeSpan leaseTimeout, IReadOnlySet<string>? deadSilos) =>
        running.Where(t => !_trialLastSeen.TryGetValue(t.Number, out var seen) || now - seen > leaseTimeout || OnDeadSilo(t.Worker, deadSilos));

    /// <summary>Leases the winner's test evaluation with a new token.</summary>
    public int GrantEvaluation(string worker, DateTimeOffset now)
    {
        _evaluation = new EvaluationLease(worker, now);
        state.EvaluationLeased = true;
        state.EvaluationAttempt++;
        state.EvaluationToken = Token(state.EvaluationAttempt);
        return state.EvaluationToken;
    }

    public bool HoldsEvaluation(int leaseToken) =>
        state.State == SearchState.EvaluatingWinner && leaseToken == state.EvaluationToken;

    public bool RenewEvaluation(int leaseToken, DateTimeOffset now)
    {
        if (!HoldsEvaluation(leaseToken))
        {
            return false;
        }

        _evaluation = _evaluation is null ? new EvaluationLease(null, now) : _evaluation with { LastSeen = now };
        return true;
    }

    /// <summary>Frees the evaluation lease when its slot went silent or its silo died. The next lease gets a new
    /// token, so a late report of this evaluation is refused: it runs once more, not twice.</summary>
    public void ExpireEvaluation(DateTimeOffset now, TimeSpan leaseTimeout, IReadOnlySet<string>? deadSilos)
    {
        if (state.State != SearchState.EvaluatingWinner || !state.EvaluationLeased)
        {
            return;
        }

        if (_evaluation is not { } lease || now - lease.LastSeen > leaseTimeout || OnDeadSilo(lease.Worker, deadSilos))
        {
            state.EvaluationLeased = false;
            _evaluation = null;
        }
    }

    /// <summary>Forgets every lease (the search finished).</summary>
    public void Clear()
    {
        _trialLastSeen.Clear();
        _evaluation = null;
    }

    private int Token(int attempt) => checked(state.Generation * 10_000 + attempt % 10_000);

    private static bool OnDeadSilo(string? worker, IReadOnlySet<string>? deadSilos) =>
        deadSilos is { Count: > 0 } && worker is not null && deadSilos.Contains(TrainingSlotKeys.SiloOf(worker));
}
