namespace HyperSearch.Contracts.Trials;

/// <summary>Waiting → Running → exactly one of Completed, Pruned, Failed, Cancelled.</summary>
public enum TrialState
{
    Waiting,
    Running,
    Completed,
    Pruned,
    Failed,
    Cancelled,
}

public static class TrialStateExtensions
{
    public static bool IsTerminal(this TrialState state) =>
        state is TrialState.Completed or TrialState.Pruned or TrialState.Failed or TrialState.Cancelled;
}

public enum SearchState
{
    Running,
    EvaluatingWinner,
    Completed,
    Cancelled,
    Failed,
}

public static class SearchStateExtensions
{
    public static bool IsFinished(this SearchState state) =>
        state is SearchState.Completed or SearchState.Cancelled or SearchState.Failed;
}
