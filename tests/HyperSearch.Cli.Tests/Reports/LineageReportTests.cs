using HyperSearch.Cli.Reports;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Tests.Reports;

/// <summary>Population Based Training lineage in `search export` (CSV and JSON) and in the HTML report.</summary>
public sealed class LineageReportTests
{
    private static SearchResults PbtResults()
    {
        var clone = new LineageEntry(2, 1, 10003, new Dictionary<string, object> { ["learning_rate"] = 0.0012 },
            new Dictionary<string, string> { ["learning_rate"] = "perturb x1.2" }, 0.61, 0.74, "ab12", "ab12");
        var trials = Enumerable.Range(0, 2).Select(n => new TrialRecord(n,
            new Dictionary<string, object> { ["learning_rate"] = n == 0 ? 0.0012 : 0.001 }, TrialState.Completed, 3,
            Enumerable.Range(1, 4).Select(e => new EpochMetrics(e, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.5 + 0.05 * e + 0.1 * n })).ToList(),
            null, 1000, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(4), 0.7 + 0.1 * n, n == 0 ? [clone] : null)).ToList();
        return new SearchResults("s", "pbt", "completed", "done", EpochMetrics.ValAccuracy, true, 2, 4, DateTimeOffset.UnixEpoch, trials, 1, null, null, null, null);
    }

    [Fact]
    public void Export_puts_each_clone_on_its_epochs_row_and_in_the_trials_json()
    {
        var csv = TrialExport.Csv(PbtResults()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = csv[0].Split(',');
        var from = Array.IndexOf(header, "cloned_from");
        var rows = csv.Skip(1).Select(r => r.Split(',')).ToList();

        var cloned = Assert.Single(rows, r => r[from] != "");
        Assert.Equal(("0", "2", "1", "learning_rate=0.0012 (perturb x1.2)", "true"),
            (cloned[1], cloned[Array.IndexOf(header, "epoch")], cloned[from], cloned[from + 1], cloned[from + 2]));

        var json = System.Text.Json.JsonDocument.Parse(TrialExport.JsonDocument(PbtResults())).RootElement.GetProperty("trials");
        var lineage = json[0].GetProperty("lineage")[0];
        Assert.Equal(1, lineage.GetProperty("donor").GetInt32());
        Assert.Equal(0.0012, lineage.GetProperty("new_values").GetProperty("learning_rate").GetDouble());
        Assert.True(lineage.GetProperty("verified").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json[1].GetProperty("lineage").ValueKind);
    }

    [Fact]
    public void The_report_draws_each_clone_from_its_donor_with_the_new_values()
    {
        var html = HtmlReport.Render(PbtResults(), [], []);

        Assert.Contains("<section id=\"lineage\">", html);
        Assert.Contains("trial 0 cloned trial 1 at epoch 2: learning_rate=0.0012 (perturb x1.2)", html);
        Assert.Single(html.Split("<g class=\"clone\">").Skip(1));
        Assert.DoesNotContain("id=\"lineage\"", HtmlReport.Render(PbtResults() with { Trials = PbtResults().Trials.Select(t => t with { Lineage = null }).ToList() }, [], []));
    }
}
