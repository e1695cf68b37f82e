using System.Text.Json.Nodes;

namespace HyperSearch.Monitoring.Tests;

/// <summary>The read commands against a search that lives in a cluster (a real silo process, through its gateway),
/// not in a local run directory.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class ClusterReadCommandsTests(MonitoredSearch run)
{
    private async Task<ChildProcess> CliAsync(params string[] args)
    {
        var cli = ChildProcess.Start($"hypersearch {string.Join(' ', args)}", "dotnet",
            [Layout.CliDll, .. args, "--gateway", run.Silo.Gateway, "--cluster-id", run.Silo.ClusterId]);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromSeconds(90)), $"did not finish\n{cli.Output()}");
        Assert.True(cli.ExitCode == 0, $"exited {cli.ExitCode}\n{cli.Output()}");
        return cli;
    }

    [Fact]
    public async Task Status_trials_export_report_and_diagnose_read_the_clusters_search()
    {
        using (var status = await CliAsync("search", "status", run.SearchId, "--json"))
        {
            var summary = JsonNode.Parse(status.Lines().Last(l => l.StartsWith('{')))!;
            Assert.Equal(run.SearchId, summary["search_id"]!.GetValue<string>());
            Assert.Equal(run.CompletedTrials, summary["trials"]!["completed"]!.GetValue<int>());
        }

        using (var trials = await CliAsync("search", "trials", run.SearchId, "--json"))
        {
            var list = JsonNode.Parse(trials.Lines().Last(l => l.StartsWith('[')))!.AsArray();
            Assert.Equal(MonitoredSearch.MaxTrials, list.Count);
        }

        var csv = Path.Combine(Path.GetTempPath(), $"hs-export-{run.SearchId}.csv");
        using (await CliAsync("search", "export", run.SearchId, "--format", "csv", "-o", csv))
        {
            var rows = File.ReadAllLines(csv);
            Assert.Contains("val_accuracy", rows[0]);
            Assert.True(rows.Length > MonitoredSearch.MaxTrials, $"expected a row per trial and epoch, got {rows.Length}");
        }

        var html = Path.Combine(Path.GetTempPath(), $"hs-report-{run.SearchId}.html");
        using (await CliAsync("report", run.SearchId, "-o", html))
        {
            var page = File.ReadAllText(html);
            Assert.Contains("<svg", page);
            Assert.Contains(run.SearchId, page);
        }

        using var diagnose = await CliAsync("diagnose", run.SearchId, "--json");
        Assert.Contains(diagnose.Lines(), l => l.StartsWith('{') || l.StartsWith('['));
    }
}
