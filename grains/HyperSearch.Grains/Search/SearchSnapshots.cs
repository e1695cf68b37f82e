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
        coordinator.Objective(t));

    public static SearchStatus ToStatus(this SearchCoordinator coordinator, string searchId)
    {
        var state = coordinator.State;
        var spec = coordinator.Spec;
        var byState = state.Trials.GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count());
        var running = state.Trials
            .Where(t => t.State == TrialState.Running)
            .Select(t => new RunningTrial(
                t.Number,
                t.Epochs.Count,
                MaxEpochsOf(t, spec),
                t.Epochs.LastOrDefault()?.Get(EpochMetrics.TrainAccuracy),
                t.Epochs.LastOrDefault()?.Get(EpochMetrics.ValAccuracy),
                t.Worker,
                t.StartedAt))
            .ToList();
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
            state.Trials.Sum(t => t.Epochs.Count),
            spec.Search.Metric,
            spec.Search.Maximize);
    }

    private static int MaxEpochsOf(TrialEntry trial, SearchSpec spec)
    {
        var value = trial.Parameters.TryGetValue("epochs", out var e) ? e : spec.Training.GetValueOrDefault("epochs");
        return value is null ? spec.MaxEpochs : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
