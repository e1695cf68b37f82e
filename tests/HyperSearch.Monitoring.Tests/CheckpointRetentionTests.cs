using System.Text.Json.Nodes;

namespace HyperSearch.Monitoring.Tests;

/// <summary>Coordinator:KeepCheckpoints at the end of real searches on a real silo (docs/cluster.md, "Checkpoint
/// retention"): the finished search keeps the checkpoints of its best trials only (here the best one, its winner).
/// A cancelled search (the one that held the slot) keeps its checkpoints, so that it can be resumed.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class CheckpointRetentionTests(MonitoredSearch run)
{
    [Fact]
    public async Task A_finished_search_keeps_only_its_best_trials_checkpoints()
    {
        // The winner: the best validation accuracy among the trials, as the coordinator reports them.
        using var listing = ChildProcess.Start("hypersearch search trials", "dotnet",
            [Layout.CliDll, "search", "trials", run.SearchId, "--json", "--gateway", run.Silo.Gateway, "--cluster-id", run.Silo.ClusterId], Layout.Root);
        Assert.True(await listing.WaitForExitAsync(TimeSpan.FromSeconds(90)) && listing.ExitCode == 0, listing.Output());
        var trials = JsonNode.Parse(listing.Lines().Last(l => l.StartsWith('[')))!.AsArray()
            .Select(t => (Number: t!["number"]!.GetValue<int>(), Objective: t["objective"]!.GetValue<double>()))
            .ToList();
        Assert.Equal(MonitoredSearch.MaxTrials, trials.Count);
        var kept = trials.OrderByDescending(t => t.Objective).ThenBy(t => t.Number).Take(MonitoredSearch.KeepCheckpoints)
            .Select(t => $"trial-{t.Number:D4}").Order(StringComparer.Ordinal).ToList();

        // Retention runs as the search finishes, just after its state says so: wait for it, then require exactly this.
        var search = Path.Combine(run.Silo.CheckpointDirectory, run.SearchId);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Folders(search).Count != kept.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal(kept, Folders(search));

        // What stays is a real checkpoint: the trainer's files, not an empty folder.
        var winner = Path.Combine(search, kept[0]);
        Assert.Contains(Directory.EnumerateFiles(winner, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length > 0);
    }

    private static List<string> Folders(string root) =>
        Directory.Exists(root)
            ? Directory.GetDirectories(root, "trial-*").Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList()
            : [];
}
