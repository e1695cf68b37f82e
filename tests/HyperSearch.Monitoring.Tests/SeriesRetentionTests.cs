using System.Net;

namespace HyperSearch.Monitoring.Tests;

/// <summary>A long-lived silo's /metrics stays bounded: 50 searches run to their end on one real silo, and once
/// their retention has passed no series of theirs is left. Before the fix every search left its counters and
/// histogram behind, and past OpenTelemetry's 2,000-series limit new series folded into an overflow series.</summary>
public sealed class SeriesRetentionTests
{
    private const int Searches = 50;

    // A command trial (one epoch line, one test line): the search's whole life takes a fraction of a second.
    private const string Spec = """
        name: retention
        dataset: synthetic
        search: { sampler: random, scheduler: none, max_trials: 1, max_concurrent: 1, seed: 1 }
        training: { epochs: 1 }
        space:
          learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
        trainer:
          command: [sh, -c, 'if [ "$HYPERSEARCH_MODE" = test ]; then echo "{\"test_accuracy\": 0.5, \"count\": 1}"; else echo "{\"epoch\": 1, \"val_accuracy\": 0.5}"; fi']
        """;

    [Fact]
    public async Task Series_of_50_finished_searches_are_dropped_after_their_retention()
    {
        var retention = TimeSpan.FromSeconds(3);
        using var silo = SiloProcess.Start($"--HyperSearch:Metrics:FinishedSearchRetention={retention}");
        await silo.WaitForAsync("/readyz", HttpStatusCode.OK, TimeSpan.FromMinutes(3));

        var spec = Path.Combine(Path.GetTempPath(), $"hs-retention-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(spec, Spec);
        try
        {
            // Two rounds of 25: the first brings in whatever series are per silo rather than per search (grain types,
            // the epoch histogram); the second must add none, and neither may leave a search's series behind.
            var afterFirst = await RoundAsync(silo, spec, retention, "a");
            var afterSecond = await RoundAsync(silo, spec, retention, "b");
            // HyperSearch's and Orleans' series: .NET runtime series (GC generations, exception types) come and go with the process, not with searches.
            // The activation-collection counter appears at the silo's first idle collection, whenever that happens (slot
            // grains are kept alive, so it may come late): one silo-wide series, not one per search.
            var grown = afterSecond.Where(kv => kv.Key.StartsWith("hypersearch_", StringComparison.Ordinal) || kv.Key.StartsWith("orleans_", StringComparison.Ordinal))
                .Where(kv => kv.Key != "orleans_catalog_activation_collections_total")
                .Where(kv => kv.Value > afterFirst.GetValueOrDefault(kv.Key))
                .Select(kv => $"{kv.Key}: {afterFirst.GetValueOrDefault(kv.Key)} -> {kv.Value}").ToList();
            Assert.True(grown.Count == 0, $"/metrics grew with {Searches / 2} more finished searches:\n  {string.Join("\n  ", grown)}");
        }
        finally
        {
            File.Delete(spec);
        }
    }

    /// <summary>Runs half the searches to their end (five CLIs at a time), waits out the retention, and returns the
    /// number of samples of each metric name then.</summary>
    private static async Task<Dictionary<string, int>> RoundAsync(SiloProcess silo, string spec, TimeSpan retention, string round)
    {
        var ids = Enumerable.Range(0, Searches / 2).Select(i => $"ret{round}{i:00}-{Guid.NewGuid():N}"[..16]).ToList();
        await Task.WhenAll(ids.Chunk(5).Select(chunk => Task.Run(async () =>
        {
            foreach (var id in chunk)
            {
                using var cli = ChildProcess.Start($"search start {id}", "dotnet",
                    [Layout.CliDll, "search", "start", spec, "--id", id, "--wait", "--json", "--gateway", silo.Gateway, "--cluster-id", silo.ClusterId], Layout.Root);
                Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(3)), $"search {id} did not finish\n{cli.Output()}");
                Assert.True(cli.ExitCode == 0, $"search {id} exited {cli.ExitCode}\n{cli.Output()}\n{silo.Output()}");
            }
        })));

        // The searches did publish series of their own (so their absence below means they went).
        Assert.True(SearchIds(await silo.GetAsync("/metrics")).Count > 0, "no search_id series right after the searches finished: nothing to drop");

        var deadline = DateTime.UtcNow + retention + TimeSpan.FromSeconds(30);
        (HttpStatusCode Status, string Body) metrics;
        do
        {
            await Task.Delay(retention);
            metrics = await silo.GetAsync("/metrics");
        }
        while (SearchIds(metrics).Count > 0 && DateTime.UtcNow < deadline);

        var left = SearchIds(metrics);
        Assert.True(left.Count == 0, $"series of {left.Count} finished searches left on /metrics: {string.Join(", ", left.Take(5))}");
        return Exposition.Parse(metrics.Body).Samples.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Count());
    }

    private static List<string> SearchIds((HttpStatusCode Status, string Body) metrics)
    {
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        return Exposition.Parse(metrics.Body).Samples
            .Select(s => s.Labels.GetValueOrDefault("search_id"))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }
}
