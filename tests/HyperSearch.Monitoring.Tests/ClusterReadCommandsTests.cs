using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HyperSearch.Monitoring.Tests;

/// <summary>The read commands against a search that lives in a cluster (a real silo process, through its gateway),
/// not in a local run directory. `search trials --json` is the coordinator's own trial table; status, the CSV and JSON
/// exports, the HTML report and diagnose must each say the same about those trials, and the table must be the
/// spec's grid.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed partial class ClusterReadCommandsTests(MonitoredSearch run)
{
    private async Task<ChildProcess> CliAsync(params string[] args)
    {
        var cli = ChildProcess.Start($"hypersearch {string.Join(' ', args)}", "dotnet",
            [Layout.CliDll, .. args, "--gateway", run.Silo.Gateway, "--cluster-id", run.Silo.ClusterId], Layout.Root);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromSeconds(90)), $"did not finish\n{cli.Output()}");
        Assert.True(cli.ExitCode == 0, $"exited {cli.ExitCode}\n{cli.Output()}");
        return cli;
    }

    [Fact]
    public async Task Status_trials_export_report_and_diagnose_read_the_clusters_search()
    {
        List<Trial> trials;
        using (var listing = await CliAsync("search", "trials", run.SearchId, "--json"))
        {
            trials = JsonNode.Parse(listing.Lines().Last(l => l.StartsWith('[')))!.AsArray().Select(n => Trial.FromTrialsJson(n!.AsObject())).ToList();
        }

        // The coordinator's table is the spec's grid: one trial per learning rate, each trained every epoch.
        Assert.Equal(MonitoredSearch.MaxTrials, trials.Count);
        Assert.Equal(Enumerable.Range(0, MonitoredSearch.MaxTrials), trials.Select(t => t.Number).Order());
        Assert.Equal(MonitoredSearch.LearningRates.Order(), trials.Select(t => t.LearningRate).Order());
        Assert.All(trials, t => Assert.Equal("completed", t.State));
        Assert.All(trials, t => Assert.Equal(Enumerable.Range(1, MonitoredSearch.Epochs), t.Epochs.Select(e => e.Epoch)));
        Assert.All(trials, t => Assert.Equal(t.Epochs[^1].ValAccuracy, t.Objective));
        var best = trials.MaxBy(t => t.Objective)!;

        using (var status = await CliAsync("search", "status", run.SearchId, "--json"))
        {
            var summary = JsonNode.Parse(status.Lines().Last(l => l.StartsWith('{')))!;
            Assert.Equal(run.SearchId, summary["search_id"]!.GetValue<string>());
            Assert.Equal(trials.Count(t => t.State == "completed"), summary["trials"]!["completed"]!.GetValue<int>());
            Assert.Equal(run.CompletedTrials, summary["trials"]!["completed"]!.GetValue<int>());
        }

        var csvFile = Path.Combine(Path.GetTempPath(), $"hs-export-{run.SearchId}.csv");
        var jsonFile = Path.Combine(Path.GetTempPath(), $"hs-export-{run.SearchId}.json");
        var htmlFile = Path.Combine(Path.GetTempPath(), $"hs-report-{run.SearchId}.html");
        try
        {
            using (await CliAsync("search", "export", run.SearchId, "--format", "csv", "-o", csvFile))
            {
                var rows = Csv.Parse(File.ReadAllText(csvFile));
                var header = rows[0];
                var records = rows.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal)).ToList();
                Assert.All(rows, r => Assert.Equal(header.Count, r.Count));

                // One row per trial and epoch, holding exactly the coordinator's numbers.
                Assert.Equal(trials.Sum(t => t.Epochs.Count), records.Count);
                foreach (var trial in trials)
                {
                    var own = records.Where(r => r["trial"] == I(trial.Number)).ToList();
                    Assert.Equal(trial.Epochs.Select(e => I(e.Epoch)), own.Select(r => r["epoch"]));
                    Assert.All(own, r =>
                    {
                        Assert.Equal(run.SearchId, r["search_id"]);
                        Assert.Equal(trial.State, r["state"]);
                        Assert.Equal(trial.Objective, D(r["objective"]));
                        Assert.Equal(trial.LearningRate, D(r["param_learning_rate"]));
                    });
                    Assert.Equal(trial.Epochs.Select(e => e.ValAccuracy), own.Select(r => D(r["val_accuracy"])));
                }
            }

            using (await CliAsync("search", "export", run.SearchId, "--format", "json", "-o", jsonFile))
            {
                var document = JsonNode.Parse(File.ReadAllText(jsonFile))!;
                Assert.Equal(run.SearchId, document["search_id"]!.GetValue<string>());
                Assert.Equal(best.Number, document["best_trial"]!.GetValue<int>());
                var exported = document["trials"]!.AsArray().Select(n => Trial.FromExportJson(n!.AsObject())).ToList();
                Assert.Equal(trials, exported);
            }

            using (await CliAsync("report", run.SearchId, "-o", htmlFile))
            {
                var page = File.ReadAllText(htmlFile);
                Assert.Contains(run.SearchId, page, StringComparison.Ordinal);

                // The leaderboard: every trial once, best first, with its state, objective and epoch count.
                var board = LeaderboardRows(page);
                Assert.Equal(trials.OrderByDescending(t => t.Objective).Select(t => t.Number), board.Select(r => int.Parse(r[1], CultureInfo.InvariantCulture)));
                foreach (var row in board)
                {
                    var trial = trials.Single(t => t.Number == int.Parse(row[1], CultureInfo.InvariantCulture));
                    Assert.Equal(trial.State, row[2]);
                    Assert.Equal(trial.Objective, double.Parse(row[3], CultureInfo.InvariantCulture), 4);
                    Assert.Equal(trial.Epochs.Count.ToString(CultureInfo.InvariantCulture), row[5]);
                }

                // The charts are inline SVG documents, one a chart at least, each well formed.
                var svgs = Svg().Matches(page).Select(m => m.Value).ToList();
                Assert.NotEmpty(svgs);
                Assert.All(svgs, svg => System.Xml.Linq.XElement.Parse(svg));
            }
        }
        finally
        {
            File.Delete(csvFile);
            File.Delete(jsonFile);
            File.Delete(htmlFile);
        }

        using var diagnose = await CliAsync("diagnose", run.SearchId, "--json");
        var findings = JsonNode.Parse(diagnose.Lines().Last(l => l.StartsWith('{')))!;
        Assert.Equal(run.SearchId, findings["search_id"]!.GetValue<string>());
        Assert.NotNull(findings["findings"]!.AsArray());
    }

    private static List<List<string>> LeaderboardRows(string page)
    {
        var section = page[page.IndexOf("<section id=\"leaderboard\">", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("</section>", StringComparison.Ordinal)];
        var body = section[section.IndexOf("<tbody>", StringComparison.Ordinal)..];
        return Row().Matches(body)
            .Select(r => Cell().Matches(r.Groups[1].Value).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToList())
            .ToList();
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static double D(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex("<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<td>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();

    [GeneratedRegex("<svg\\b.*?</svg>", RegexOptions.Singleline)]
    private static partial Regex Svg();

    private sealed record EpochRow(int Epoch, double ValAccuracy);

    /// <summary>What every view of a trial must agree on.</summary>
    private sealed record Trial(int Number, string State, double LearningRate, double Objective, IReadOnlyList<EpochRow> Epochs)
    {
        public bool Equals(Trial? other) => other is not null && Number == other.Number && State == other.State &&
            LearningRate == other.LearningRate && Objective == other.Objective && Epochs.SequenceEqual(other.Epochs);

        public override int GetHashCode() => Number;

        /// <summary>`search trials --json`: TrialRecord in snake case, epochs as {epoch, values}.</summary>
        public static Trial FromTrialsJson(JsonObject t) => new(
            t["number"]!.GetValue<int>(),
            t["state"]!.GetValue<string>(),
            t["parameters"]!["learning_rate"]!.GetValue<double>(),
            t["objective"]!.GetValue<double>(),
            t["epochs"]!.AsArray().Select(e => new EpochRow(e!["epoch"]!.GetValue<int>(), e["values"]!["val_accuracy"]!.GetValue<double>())).ToList());

        /// <summary>`search export --format json`: epochs as flat objects.</summary>
        public static Trial FromExportJson(JsonObject t) => new(
            t["number"]!.GetValue<int>(),
            t["state"]!.GetValue<string>(),
            t["parameters"]!["learning_rate"]!.GetValue<double>(),
            t["objective"]!.GetValue<double>(),
            t["epochs"]!.AsArray().Select(e => new EpochRow(e!["epoch"]!.GetValue<int>(), e["val_accuracy"]!.GetValue<double>())).ToList());
    }
}
