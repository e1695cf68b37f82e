namespace HyperSearch.Grains.Search;

/// <summary>Moves a search between its states: Running, stopping (a stop condition held; no new trials, running ones
/// are cancelled), EvaluatingWinner, and one final state (Completed, Cancelled, Failed).</summary>
/// <param name="canCreateTrial">Whether the sampler may still propose trials (the coordinator knows).</param>
internal sealed class SearchLifecycle(SearchGrainState state, TrialTable trials, LeaseBook leases, SearchPolicy policy, Func<bool> canCreateTrial)
{
    /// <summary>Set once a stop condition holds: no new trials; running ones are cancelled.</summary>
    public bool Stopping => state.FinalStateAfterStop is not null;

    /// <summary>Stops the search as Cancelled: running trials are told to stop, an evaluation is abandoned.</summary>
    public void Cancel(DateTimeOffset now)
    {
        if (state.State.IsFinished())
        {
            return;
        }

        BeginStop(SearchState.Cancelled, "cancelled by user");
        if (state.State == SearchState.EvaluatingWinner)
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
        if (state.State != SearchState.Cancelled)
        {
            return false;
        }

        foreach (var trial in trials.All.Where(t => t.State == TrialState.Cancelled))
        {
            trial.EndedAt = null;
            trials.SetState(trial, TrialState.Waiting);
        }

        state.State = SearchState.Running;
        state.FinalStateAfterStop = null;
        state.StopReason = null;
        state.EndedAt = null;
        state.EvaluationLeased = false;
        state.WinnerNumber = null;
        CheckStopConditions(now);
        return true;
    }

    /// <summary>Evaluates every stop condition; moves to winner evaluation or a final state when nothing runs.</summary>
    public void CheckStopConditions(DateTimeOffset now)
    {
        if (state.State != SearchState.Running)
        {
            return;
        }

        if (policy.StopCondition(state.StartedAt, now, canCreateTrial(), state.SamplerExhausted) is { } stop)
        {
            BeginStop(stop.Final, stop.Reason);
        }

        if (!Stopping)
        {
            return;
        }

        foreach (var waiting in trials.Waiting.ToList())
        {
            waiting.EndedAt = now;
            trials.SetState(waiting, TrialState.Cancelled);
        }

        if (trials.RunningCount > 0)
        {
            return;
        }

        var final = state.FinalStateAfterStop!.Value;
        if (final == SearchState.Completed && trials.BestCompleted is { } winner)
        {
            state.WinnerNumber = winner.Number;
            state.State = SearchState.EvaluatingWinner;
        }
        else if (final == SearchState.Completed)
        {
            // Nothing to show for it: the search failed, whatever stopped it.
            var lastFailure = trials.LastFailed?.FailureReason;
            state.StopReason = $"no trial completed ({state.StopReason}){(lastFailure is null ? "" : $"; last failure: {lastFailure}")}";
            state.FinalStateAfterStop = SearchState.Failed;
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

        state.FinalStateAfterStop = final;
        state.StopReason = reason;
    }

    public void Finish(SearchState final, DateTimeOffset now)
    {
        state.State = final;
        state.EndedAt = now;
        state.FinalStateAfterStop ??= final;
        leases.Clear();
    }
}
