namespace HyperSearch.Grains.Search;

/// <summary>Read-only views of the coordinator's state for clients.</summary>
internal static class SearchSnapshots
{
    public static TrialRecord ToRecord(this SearchCoordinator coordinator, TrialEntry t) => new(
        t.Number,
        new Dictionary<string, object>(t.Parameters, StringComparer.Ordinal),
        t.State,
        t.Attempt,
        t.Epochs.ToList(),
        t.FailureReason,
        t.ParameterCount,
        t.Worker,
        t.StartedAt,
        t.EndedAt,
        coordinator.Objective(t),
        t.Lineage.Count == 0 ? null : t.Lineage.ToList(),
        t.Attempts.ToList(),
        t.StderrTail);

    public static SearchStatus ToStatus(this SearchCoordinator coordinator, string searchId)
    {
        var state = coordinator.State;
        var spec = coordinator.Spec;
        // One pass without LINQ: watchers poll this while the coordinator is busiest.
        var byState = new Dictionary<TrialState, int>();
        var epochs = 0;
        var running = new List<RunningTrial>(coordinator.RunningCount);
        foreach (var t in state.Trials)
        {
            byState[t.State] = byState.GetValueOrDefault(t.State) + 1;
            epochs += t.Epochs.Count;
            if (t.State == TrialState.Running)
            {
                var last = t.Epochs.Count == 0 ? null : t.Epochs[^1];
                running.Add(new RunningTrial(
                    t.Number,
                    t.Epochs.Count,
                    spec.EpochsFor(t.Parameters),
                    last?.Get(EpochMetrics.TrainAccuracy),
                    last?.Get(EpochMetrics.ValAccuracy),
                    t.Worker,
                    t.StartedAt));
            }
        }

        var bestEntry = state.WinnerNumber is { } w ? state.Trials[w] : coordinator.BestCompleted();
        var best = bestEntry is null
            ? null
            : new BestTrial(
                bestEntry.Number,
                new Dictionary<string, object>(bestEntry.Parameters, StringComparer.Ordinal),
                coordinator.Objective(bestEntry) ?? double.NaN,
                bestEntry.Epochs.LastOrDefault()?.Get(EpochMetrics.ValAccuracy),
                bestEntry.ParameterCount);
        var reason = state.EvaluationFailure is null ? state.StopReason : $"{state.StopReason}; test evaluation failed: {state.EvaluationFailure}";
        return new SearchStatus(
            searchId,
            spec.Name,
            state.State,
            reason,
            byState,
            running,
            best,
            state.Test,
            state.StartedAt,
            state.EndedAt,
            spec.Search.MaxTrials,
            epochs,
            spec.Search.Metric,
            spec.Search.Maximize);
    }
}
