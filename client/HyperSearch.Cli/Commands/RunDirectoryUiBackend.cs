using HyperSearch.Cli.Results;
using HyperSearch.Ui;

namespace HyperSearch.Cli.Commands;

/// <summary>The UI's view of run directories: ROOT/ID/ (each holding trials.json) or ROOT itself when it is one. Read on
/// every request, so a search still running in another process shows its latest saved state. Read-only.</summary>
internal sealed class RunDirectoryUiBackend(string root) : IUiBackend
{
    public string Source => root;

    public bool CanOperate => false;

    public Task<IReadOnlyList<SearchData>> ListAsync(CancellationToken cancellationToken)
    {
        var searches = Directories().Select(Load).OfType<SearchData>().ToList();
        return Task.FromResult<IReadOnlyList<SearchData>>(searches);
    }

    public Task<SearchData?> GetAsync(string searchId, CancellationToken cancellationToken) =>
        Task.FromResult(Directories().Select(Load).FirstOrDefault(s => s?.SearchId == searchId));

    public Task<bool> CancelAsync(string searchId) => throw new InvalidOperationException("run directories are read-only");

    public Task<string> StartAsync(string specText, string? searchId) => throw new InvalidOperationException("run directories are read-only");

    private IEnumerable<string> Directories()
    {
        if (File.Exists(Path.Combine(root, RunDirectory.TrialsFile)))
        {
            return [root];
        }

        return Directory.EnumerateDirectories(root).Where(d => File.Exists(Path.Combine(d, RunDirectory.TrialsFile))).Order(StringComparer.Ordinal);
    }

    private static SearchData? Load(string dir)
    {
        SearchResults results;
        try
        {
            results = ResultsLoader.LoadRunDirectory(dir, Path.GetFileName(dir));
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            // A file being replaced or a foreign folder: leave it out of this answer rather than fail the page.
            return null;
        }

        var finished = results.State is "completed" or "cancelled" or "failed";
        DateTimeOffset? ended = finished && results.StartedAt is { } start ? start.AddSeconds(results.WallSeconds) : null;
        return new SearchData(results.SearchId, results.Name, results.State, results.StopReason, results.Metric, results.Maximize,
            results.MaxTrials, results.Spec?.Search.TimeBudget, results.StartedAt, ended, results.BestTrial, results.TestAccuracy,
            results.Trials, results.Findings(), results.CheckpointRoot, results.Spec?.Search.Objectives);
    }
}
