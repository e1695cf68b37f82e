using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Commands;

/// <summary>Follows a search until it finishes, printing progress and saving results as it goes.</summary>
internal static class SearchWatcher
{
    public static async Task<(SearchStatus Status, IReadOnlyList<TrialRecord> Trials)> WatchAsync(
        IGrainFactory grains, string searchId, ProgressPrinter? printer, RunDirectory? runDir, TimeSpan interval, CancellationToken stop = default)
    {
        var search = grains.GetGrain<ISearchGrain>(searchId);
        var lastSaved = DateTimeOffset.MinValue;
        while (true)
        {
            var status = await search.GetStatusAsync();
            var trials = await search.GetTrialsAsync();
            printer?.Update(status, trials);
            if (runDir is not null && (status.State.IsFinished() || DateTimeOffset.UtcNow - lastSaved > TimeSpan.FromSeconds(5)))
            {
                runDir.WriteResults(status, trials);
                lastSaved = DateTimeOffset.UtcNow;
            }

            if (status.State.IsFinished() || stop.IsCancellationRequested)
            {
                return (status, trials);
            }

            await Task.Delay(interval, CancellationToken.None);
        }
    }
}
