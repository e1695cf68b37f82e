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
}
