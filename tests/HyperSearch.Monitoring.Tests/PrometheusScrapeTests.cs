using System.Globalization;
using System.Text.Json.Nodes;

namespace HyperSearch.Monitoring.Tests;

/// <summary>A real Prometheus scraping a real silo during a small search sees what the search did.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class PrometheusScrapeTests(MonitoredSearch run)
{
    [Fact]
    public async Task Completed_trials_counter_in_Prometheus_equals_the_trials_the_search_completed()
    {
        Assert.Equal("completed", run.Summary["state"]!.GetValue<string>());
        Assert.True(run.CompletedTrials >= 1, $"the search completed no trial: {run.Summary.ToJsonString()}");

        // Wait for a scrape taken after the CLI saw the search finish, so Prometheus holds the final counts.
        var selector = $"{{search_id=\"{run.SearchId}\"}}";
        await ScrapedSinceAsync($"hypersearch_trials_completed_total{selector}", run.FinishedAt);

        var completed = await run.Prometheus.QueryAsync($"sum(hypersearch_trials_completed_total{selector})");
        Assert.True(completed.Count == 1, $"Prometheus has no hypersearch_trials_completed_total for {run.SearchId}\n{run.Prometheus.Output()}");
        Assert.Equal(run.CompletedTrials, PrometheusServer.ValueOf(completed[0]));

        // The other outcomes agree with the search's own counts too.
        foreach (var outcome in new[] { "pruned", "failed", "cancelled" })
        {
            var series = await run.Prometheus.QueryAsync($"sum(hypersearch_trials_{outcome}_total{selector})");
            Assert.True(series.Count == 1, $"no hypersearch_trials_{outcome}_total series for {run.SearchId}: counters must exist (at 0) from the search's start");
            Assert.Equal(run.Summary["trials"]![outcome]!.GetValue<int>(), PrometheusServer.ValueOf(series[0]));
        }

        var started = await run.Prometheus.QueryAsync($"sum(hypersearch_trials_started_total{selector})");
        Assert.InRange(PrometheusServer.ValueOf(Assert.Single(started)), MonitoredSearch.MaxTrials, double.MaxValue);
    }

    [Fact]
    public async Task A_search_counter_series_starts_at_zero_so_increase_sees_the_first_trial()
    {
        // The fixture held the silo's only slot until Prometheus had scraped this search's counters, so the first sample
        // precedes every trial of the search on any machine: it is 0 exactly when the counters exist from the start.
        var selector = $"hypersearch_trials_completed_total{{search_id=\"{run.SearchId}\"}}";
        await ScrapedSinceAsync(selector, run.FinishedAt);
        var samples = Assert.Single(await run.Prometheus.QueryAsync($"{selector}[10m]"))["values"]!.AsArray();
        var first = double.Parse(samples[0]![1]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.True(first == 0, $"the first scraped value of {selector} was {first}, not 0: increase() cannot see the increments before it");

        var increase = await run.Prometheus.QueryAsync($"sum(increase({selector}[10m]))");
        Assert.True(PrometheusServer.ValueOf(Assert.Single(increase)) > 0, "increase() over the search shows no completed trial");
    }

    [Fact]
    public async Task Orleans_runtime_and_process_series_are_scraped()
    {
        var target = await run.Prometheus.TargetAsync();
        Assert.True(target?["health"]?.GetValue<string>() == "up", $"the silo target is not up: {target?.ToJsonString()}");
        var up = await run.Prometheus.QueryAsync($"up{{job=\"{PrometheusServer.Job}\"}}");
        Assert.Equal(1, PrometheusServer.ValueOf(Assert.Single(up)));

        var names = await run.Prometheus.MetricNamesAsync();
        var orleans = names.Where(n => n.StartsWith("orleans_", StringComparison.Ordinal)).ToList();
        Assert.True(orleans.Count > 0, "Prometheus has no orleans_* series from the silo. Names it has:\n  " + string.Join("\n  ", names));
        var series = await run.Prometheus.QueryAsync($"count({{__name__=~\"orleans_.+\", job=\"{PrometheusServer.Job}\"}})");
        Assert.True(PrometheusServer.ValueOf(Assert.Single(series)) > 0);

        Assert.Contains(names, n => n.StartsWith("dotnet_", StringComparison.Ordinal) || n.StartsWith("process_runtime_dotnet_", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("process_", StringComparison.Ordinal) && !n.StartsWith("process_runtime_", StringComparison.Ordinal));
    }

    private async Task ScrapedSinceAsync(string selector, DateTimeOffset since)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = "none";
        while (DateTime.UtcNow < deadline)
        {
            var stamp = await run.Prometheus.QueryAsync($"max(timestamp({selector}))");
            if (stamp.Count == 1)
            {
                var at = PrometheusServer.ValueOf(stamp[0]);
                last = DateTimeOffset.FromUnixTimeMilliseconds((long)(at * 1000)).ToString("O", CultureInfo.InvariantCulture);
                if (at >= since.ToUnixTimeMilliseconds() / 1000.0)
                {
                    return;
                }
            }

            await Task.Delay(500);
        }

        Assert.Fail($"Prometheus has no sample of {selector} scraped after {since:O} (latest: {last})\n{run.Prometheus.Output()}\n{run.Silo.Output()}");
    }
}
