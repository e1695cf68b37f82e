using System.Net;
using System.Text.Json.Nodes;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace HyperSearch.Monitoring.Tests;

[CollectionDefinition(Name)]
public sealed class MonitoredSearchCollection : ICollectionFixture<MonitoredSearch>
{
    public const string Name = "monitored search";
}

/// <summary>Once for the collection: a real silo, a real Prometheus scraping it every second, and a small real
/// search (built-in CNN trainer, Fashion-MNIST subset) started and awaited by the real CLI. While the search runs,
/// the silo's /metrics is also read directly every 150 ms, so that short-lived series (a running trial's
/// accuracy) are seen.</summary>
public sealed class MonitoredSearch : IAsyncLifetime
{
    public const int MaxTrials = 3;

    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    // Three learning rates, one trial each: a few seconds per trial on two cores — long enough that Prometheus
    // (1 s scrapes) always sees each search counter at 0 before the first trial completes, even on an idle machine.
    private const string Spec = """
        name: monitoring
        dataset:
          name: fashion-mnist
          train_subset: 5000
          validation_fraction: 0.2
        search:
          sampler: grid
          scheduler: none
          max_trials: 3
          max_concurrent: 1
          seed: 5
        training:
          epochs: 8
          conv1_filters: 16
          conv2_filters: 32
          dense_units: 64
          batch_size: 64
        space:
          learning_rate: { choice: [0.003, 0.001, 0.0003] }
        """;

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<Sample> _trialSamples = [];
    private readonly List<IDisposable> _owned = [];

    internal SiloProcess Silo { get; private set; } = null!;

    internal PrometheusServer Prometheus { get; private set; } = null!;

    public string SearchId { get; } = $"mon-{Guid.NewGuid():N}"[..14];

    /// <summary>The CLI's final `--json` summary of the search.</summary>
    public JsonObject Summary { get; private set; } = null!;

    /// <summary>When the CLI had seen the search finish.</summary>
    public DateTimeOffset FinishedAt { get; private set; }

    /// <summary>Every sample name the silo's /metrics showed during and after the search.</summary>
    public IReadOnlySet<string> SeenNames => _seen;

    /// <summary>Family types from # TYPE lines.</summary>
    public IReadOnlyDictionary<string, string> SeenTypes => _types;

    /// <summary>Every hypersearch_trial_val_accuracy sample seen during the search.</summary>
    internal IReadOnlyList<Sample> TrialSamples => _trialSamples;

    /// <summary>The silo's /metrics once the search had finished.</summary>
    internal Exposition Final { get; private set; } = null!;

    public int CompletedTrials => Summary["trials"]!["completed"]!.GetValue<int>();

    public async Task InitializeAsync()
    {
        PrometheusServer.RequireBinary();
        Assert.True(File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz")),
            $"Fashion-MNIST is missing from {FashionMnist}: run scripts/install-deps.sh (apt-get install -y dataset-fashion-mnist)");
        var cli = Layout.CliDll;

        Silo = Own(SiloProcess.Start());
        await Silo.WaitForAsync("/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(120));
        Prometheus = Own(await PrometheusServer.StartAsync($"127.0.0.1:{Silo.HttpPort}"));

        var specFile = Path.Combine(Path.GetTempPath(), $"hypersearch-mon-{SearchId}.yaml");
        File.WriteAllText(specFile, Spec);
        using var stopScraping = new CancellationTokenSource();
        var scraper = Task.Run(() => ScrapeUntilAsync(stopScraping.Token));
        try
        {
            using var search = ChildProcess.Start("hypersearch search start", "dotnet",
            [
                cli, "search", "start", specFile, "--id", SearchId,
                "--gateway", Silo.Gateway, "--cluster-id", Silo.ClusterId,
                "--wait", "--json",
            ]);
            Assert.True(await search.WaitForExitAsync(TimeSpan.FromSeconds(150)), $"the search did not finish within 150 s\n{search.Output()}\n{Silo.Output()}");
            FinishedAt = DateTimeOffset.UtcNow;
            Assert.True(search.ExitCode == 0, $"`hypersearch search start --wait` exited {search.ExitCode}\n{search.Output()}\n{Silo.Output()}");
            Summary = search.Lines()
                .Where(l => l.StartsWith('{'))
                .Select(l => JsonNode.Parse(l) as JsonObject)
                .LastOrDefault(o => o?["trials"] is not null)
                ?? throw new InvalidOperationException($"no JSON summary from the CLI\n{search.Output()}");
        }
        finally
        {
            await stopScraping.CancelAsync();
            await scraper;
            File.Delete(specFile);
        }

        Final = Exposition.Parse(await Silo.Http.GetStringAsync("/metrics"));
        Record(Final);
    }

    public Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        return Task.CompletedTask;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task ScrapeUntilAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Record(Exposition.Parse(await Silo.Http.GetStringAsync("/metrics", stop)));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }

            try
            {
                await Task.Delay(150, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Record(Exposition exposition)
    {
        lock (_seen)
        {
            _seen.UnionWith(exposition.Names);
            foreach (var (name, type) in exposition.Types)
            {
                _types[name] = type;
            }

            _trialSamples.AddRange(exposition.Samples.Where(s => s.Name == "hypersearch_trial_val_accuracy"));
        }
    }
}
