using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Commands;

/// <summary>Follows a search with the right view: the live table on a terminal, plain lines on a pipe or log, nothing with --json.</summary>
internal static class LiveWatch
{
    public static Task<(SearchStatus Status, IReadOnlyList<TrialRecord> Trials)> WatchAsync(
        IGrainFactory grains, string searchId, TextWriter stdout, bool json, RunDirectory? runDir, TimeSpan interval)
    {
        if (json)
        {
            return SearchWatcher.WatchAsync(grains, searchId, null, runDir, interval);
        }

        return LiveView.IsTerminal(stdout)
            ? new LiveView().RunAsync(view => SearchWatcher.WatchAsync(grains, searchId, view, runDir, interval))
            : SearchWatcher.WatchAsync(grains, searchId, new ProgressPrinter(stdout), runDir, interval);
    }
}
