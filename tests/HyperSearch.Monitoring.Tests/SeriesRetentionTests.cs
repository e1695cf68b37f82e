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
        var baseline = Exposition.Parse((await silo.GetAsync("/metrics")).Body).Samples.Count;

        var spec = Path.Combine(Path.GetTempPath(), $"hs-retention-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(spec, Spec);
        try
        {
            // Five CLIs at a time, each starting and awaiting ten searches in turn.
            var ids = Enumerable.Range(0, Searches).Select(i => $"ret-{i:00}-{Guid.NewGuid():N}"[..16]).ToList();
            await Task.WhenAll(ids.Chunk(Searches / 5).Select(chunk => Task.Run(async () =>
            {
                foreach (var id in chunk)
                {
                    using var cli = ChildProcess.Start($"search start {id}", "dotnet",
                        [Layout.CliDll, "search", "start", spec, "--id", id, "--wait", "--json", "--gateway", silo.Gateway, "--cluster-id", silo.ClusterId]);
                    Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(3)), $"search {id} did not finish\n{cli.Output()}");
                    Assert.True(cli.ExitCode == 0, $"search {id} exited {cli.ExitCode}\n{cli.Output()}\n{silo.Output()}");
                }
            })));

            // The searches did publish series of their own (so their absence below means they went).
            var ofSearches = SearchIds(await silo.GetAsync("/metrics"));
            Assert.True(ofSearches.Count > 0, "no search_id series right after the searches finished: nothing to drop");

            // After the retention every series of theirs is gone, and /metrics is back near its size before them.
            var deadline = DateTime.UtcNow + retention + TimeSpan.FromSeconds(30);
            (HttpStatusCode Status, string Body) metrics;
            do
            {
                await Task.Delay(retention);
                metrics = await silo.GetAsync("/metrics");
            }
            while (SearchIds(metrics).Count > 0 && DateTime.UtcNow < deadline);

            Assert.True(SearchIds(metrics).Count == 0, $"series of {SearchIds(metrics).Count} finished searches left on /metrics: {string.Join(", ", SearchIds(metrics).Take(5))}");
            var samples = Exposition.Parse(metrics.Body).Samples.Count;
            // The unlabelled epoch histogram (buckets, sum, count) appears once; runtime metrics may add a few.
            Assert.True(samples <= baseline + 40, $"/metrics grew from {baseline} to {samples} samples after {Searches} searches");
        }
        finally
        {
            File.Delete(spec);
        }
    }

    private static List<string> SearchIds((HttpStatusCode Status, string Body) metrics)
    {
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        return Exposition.Parse(metrics.Body).Samples
            .Select(s => s.Labels.GetValueOrDefault("search_id"))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }
}
