using System.Xml;
using System.Xml.Linq;
using HyperSearch.Cli.Reports;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Tests.Reports;

public sealed class HtmlReportTests
{
    [Fact]
    public void A_search_whose_every_trial_failed_still_gets_a_report_that_says_why()
    {
        const string reason = "test split (x.npz) disagrees in scale with the training split (x.npz): its values span [0, 255] but the training split's span [0, 1], a factor of 255. Preprocess every split the same way (e.g. all in [0,255] or all in [0,1]) before searching.";
        var trials = new[] { 0, 1 }.Select(n => new TrialRecord(n, new Dictionary<string, object> { ["dropout"] = 0.1 * (n + 1) }, TrialState.Failed, 1, [],
            reason, null, "w", null, null, null)).ToList();
        var results = new SearchResults("s", "broken", "failed", "max_failed_trials", EpochMetrics.ValAccuracy, true, 4, 3, null, trials, null, null, null, null, null);
        var dir = Path.Combine(Path.GetTempPath(), $"hs-html-{Guid.NewGuid():N}");

        var written = HtmlReport.Write(results, Path.Combine(dir, "r.html"), null);

        var html = File.ReadAllText(written.Html);
        Assert.Contains("data-kind=\"preprocessing_mismatch\"", html);
        Assert.Contains("Normalize every split the same way", html);
        Assert.Equal(4, written.Pngs.Count);
        Assert.All(written.Pngs, p => Assert.True(new FileInfo(p).Length > 1000, p));
        Assert.Equal(4, html.Split("<svg").Length - 1);
    }

    [Fact]
    public void Markup_in_a_trials_values_and_the_searchs_name_comes_out_as_text()
    {
        const string injected = "<script>alert(1)</script>";
        const string reason = "<img src=x onerror=alert(2)> & more";
        var trials = Enumerable.Range(0, 4).Select(n => new TrialRecord(n,
            new Dictionary<string, object> { ["activation"] = n % 2 == 0 ? injected : "relu", [injected] = 0.1 * (n + 1) },
            n == 3 ? TrialState.Failed : TrialState.Completed, 1,
            n == 3 ? [] : [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.5 + 0.1 * n, [EpochMetrics.EpochSeconds] = 2 })],
            n == 3 ? reason : null, 1000, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(2), n == 3 ? null : 0.5 + 0.1 * n)).ToList();
        var results = new SearchResults("s", injected, "completed", "done", EpochMetrics.ValAccuracy, true, 4, 3, DateTimeOffset.UnixEpoch, trials, 2, null, null, null, null);

        var page = HtmlReport.Render(results, ReportCharts.Build(results), results.Findings());

        // The page is one well-formed tree whose only script is the report's own, and the injected values are text.
        var document = XDocument.Load(XmlReader.Create(new StringReader(page), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));
        var elements = document.Descendants().ToList();
        Assert.Single(elements, e => e.Name.LocalName == "script");
        Assert.DoesNotContain(elements, e => e.Name.LocalName == "img");
        Assert.Equal(1, page.Split("<script").Length - 1);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page);
        Assert.Contains($"HyperSearch report — {injected} (s)", document.Descendants("h1").Single().Value);
        var cells = document.Descendants("td").Select(td => td.Value).ToList();
        Assert.Contains(injected, cells);
        var note = document.Descendants("td").Single(td => (string?)td.Attribute("class") == "note" && td.Value.Length > 0);
        Assert.Equal(reason, note.Value);
        Assert.Equal(reason, (string?)note.Attribute("title"));
        Assert.Contains(injected, document.Descendants("th").Select(th => th.Value));
        // Charts carry the values too (parallel coordinates label the categorical axis with them): escaped there as well.
        Assert.Contains(elements, e => e.Name.LocalName == "text" && e.Value.Contains(injected, StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_cells_are_closed_as_html_reads_them()
    {
        var trial = new TrialRecord(0, new Dictionary<string, object>(), TrialState.Completed, 1, [], null, null, null, null, null, 0.5);
        var results = new SearchResults("s", "empty", "completed", "done", EpochMetrics.ValAccuracy, true, 1, 1, null, [trial], 0, null, null, null, null);

        var page = HtmlReport.Render(results, [], results.Findings());

        // HTML has no self-closing <td/>: it would open a cell and swallow the rest of the row.
        Assert.Contains("<td class=\"note\" title=\"\"></td>", page);
        Assert.DoesNotContain("<td />", page);
        Assert.StartsWith("<!DOCTYPE html", page);
    }
}
