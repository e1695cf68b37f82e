using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Calls;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Commands;

/// <summary>Follows a search until it finishes, printing progress and saving results as it goes.</summary>
internal static class SearchWatcher
{
    public static async Task<(SearchStatus Status, IReadOnlyList<TrialRecord> Trials)> WatchAsync(
        IGrainFactory grains, string searchId, IProgressView? printer, RunDirectory? runDir, TimeSpan interval, CancellationToken stop = default)
    {
        var search = grains.GetGrain<ISearchGrain>(searchId);
        var lastSaved = DateTimeOffset.MinValue;
        var savedProgress = (Trials: -1, Epochs: -1, Ended: -1);
        while (true)
        {
            // A silo (maybe the coordinator's or our gateway's) may die: the client moves to another gateway and the
            // coordinator reactivates from storage; keep following through an outage of up to OutageTolerance.
            var (status, trials) = await ClusterRetry.CallAsync(
                async () => (await search.GetStatusAsync(), await search.GetTrialsAsync()), OutageTolerance);
            printer?.Update(status, trials);
            // Results on disk follow every epoch and every trial that ends, so a killed run leaves them current.
            var progress = (Trials: trials.Count, Epochs: trials.Sum(t => t.Epochs.Count), Ended: trials.Count(t => t.State.IsTerminal()));
            if (runDir is not null && (status.State.IsFinished() || progress != savedProgress || DateTimeOffset.UtcNow - lastSaved > TimeSpan.FromSeconds(5)))
            {
                runDir.WriteResults(status, trials);
                lastSaved = DateTimeOffset.UtcNow;
                savedProgress = progress;
            }

            if (status.State.IsFinished() || stop.IsCancellationRequested)
            {
                return (status, trials);
            }

            await Task.Delay(interval, CancellationToken.None);
        }
    }

    /// <summary>How long the watcher rides out a cluster it cannot reach before giving up.</summary>
    private static readonly TimeSpan OutageTolerance = TimeSpan.FromMinutes(2);
}
