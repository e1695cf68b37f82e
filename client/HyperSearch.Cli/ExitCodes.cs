using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli;

/// <summary>0 success; 1 failure (an error, an unreachable cluster, or a cancelled search); 2 bad input, nothing
/// started; 3 the search ran and failed: no trial completed, or more trials failed than max_failed_trials allows.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int SearchFailed = 3;

    /// <summary>The exit code of a command that followed a search to its end.</summary>
    public static int For(SearchState state) => state switch
    {
        SearchState.Completed => Success,
        SearchState.Failed => SearchFailed,
        _ => Failure,
    };
}
