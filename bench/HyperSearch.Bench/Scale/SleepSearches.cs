using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Bench.Scale;

/// <summary>Specs of sleep-trained searches and waiting for their end.</summary>
internal static class SleepSearches
{
    public static SearchSpec Spec(string name, int maxTrials, int maxConcurrent, int epochs, int epochMilliseconds, int parameters = 1) => new(
        name,
        new DatasetSpec("none", null, 0.1, null, null, 0),
        new SearchSettings("random", new Dictionary<string, object>(), "none", new Dictionary<string, object>(), maxTrials, maxConcurrent, null, EpochMetrics.ValAccuracy, true, null, 0, 1),
        new Dictionary<string, object> { ["epochs"] = (long)epochs, [EpochSleepRunner.EpochMilliseconds] = (long)epochMilliseconds },
        [.. Enumerable.Range(0, parameters).Select(i => new ParameterSpec(i == 0 ? "x" : $"p{i}", ParameterKind.Uniform, null, 0, 1, false))],
        TrainerSpec.BuiltIn);

    /// <summary>Polls (every <paramref name="poll"/>, so the client loads the coordinator little) until the search ends.</summary>
    public static async Task<SearchStatus> WaitForEndAsync(ISearchGrain search, TimeSpan timeout, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        SearchStatus status;
        while ((status = await search.GetStatusAsync()).State is SearchState.Running or SearchState.EvaluatingWinner)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"search {status.SearchId} still {status.State} after {timeout}: {status.Count(TrialState.Completed)} completed");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }

        return status;
    }

    /// <summary>Seconds from the search's start to the end of its last trial: the coordinator's own record.</summary>
    public static double Makespan(SearchStatus status, IReadOnlyList<TrialRecord> trials) =>
        ((trials.Max(t => t.EndedAt) ?? throw new InvalidOperationException($"search {status.SearchId}: no trial ended")) - status.StartedAt).TotalSeconds;
}
