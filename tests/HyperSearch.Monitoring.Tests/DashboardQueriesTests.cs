using System.Text.Json.Nodes;

namespace HyperSearch.Monitoring.Tests;

/// <summary>The shipped Grafana dashboard against what a real Prometheus scraped from a real silo during a real search:
/// every panel query returns data at some moment of the search, and the search variable lists the search.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class DashboardQueriesTests(MonitoredSearch run)
{
    [Fact]
    public async Task Every_dashboard_query_returns_data_while_the_search_runs()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(MonitoringQueries.Dashboard))!;
        var exprs = dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => t!["expr"]!.GetValue<string>())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.True(exprs.Count >= 20, $"only {exprs.Count} dashboard queries found");

        // Grafana's variables as Grafana fills them for this search (scrapes every second: 4 s holds two samples).
        var empty = new List<string>();
        foreach (var expr in exprs)
        {
            var query = expr.Replace("$__rate_interval", "4s", StringComparison.Ordinal)
                .Replace("$__range", "10m", StringComparison.Ordinal)
                .Replace("$search", run.SearchId, StringComparison.Ordinal);
            var series = await run.Prometheus.QueryRangeAsync(query, run.StartedAt, run.FinishedAt);
            if (!series.Any(s => s["values"]!.AsArray().Count > 0))
            {
                empty.Add(query);
            }
        }

        Assert.True(empty.Count == 0, "dashboard queries that returned no data at any moment of the search:\n  " + string.Join("\n  ", empty));
    }

    [Fact]
    public async Task The_search_variable_lists_the_search()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(MonitoringQueries.Dashboard))!;
        var definition = dashboard["templating"]!["list"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "search")!["definition"]!.GetValue<string>();
        var open = definition.IndexOf('(', StringComparison.Ordinal);
        var comma = definition.IndexOf(',', StringComparison.Ordinal);
        Assert.True(definition.StartsWith("label_values(", StringComparison.Ordinal) && comma > open, $"unexpected variable definition {definition}");
        var metric = definition[(open + 1)..comma].Trim();
        var label = definition[(comma + 1)..definition.LastIndexOf(')')].Trim();

        var body = await run.Prometheus.Http.GetStringAsync($"/api/v1/label/{label}/values?match[]={Uri.EscapeDataString(metric)}");
        var values = JsonNode.Parse(body)!["data"]!.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.Contains(run.SearchId, values);
    }
}
