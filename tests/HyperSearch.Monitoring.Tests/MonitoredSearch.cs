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
/// <remarks>The silo's one training slot is held by another search (the "blocker") while the monitored search starts,
/// and given up only once Prometheus has scraped the monitored search's counters: so Prometheus' first sample of
/// them is taken before any of its trials could run, however fast the machine.</remarks>
public sealed class MonitoredSearch : IAsyncLifetime
{
    public const int MaxTrials = 3;

    public const int Epochs = 8;

    /// <summary>Coordinator:KeepCheckpoints of the silo.</summary>
    public const int KeepCheckpoints = 1;

    /// <summary>The grid: one trial per learning rate.</summary>
    public static readonly double[] LearningRates = [0.003, 0.001, 0.0003];

    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";

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

    /// <summary>One trial that never ends on its own: it holds the slot until it is cancelled.</summary>
    private const string BlockerSpec = """
        name: monitoring-blocker
        dataset:
          name: fashion-mnist
          train_subset: 5000
          validation_fraction: 0.2
        search:
          sampler: grid
          scheduler: none
          max_trials: 1
          max_concurrent: 1
          seed: 5
        training:
          epochs: 1000
          conv1_filters: 16
          conv2_filters: 32
          dense_units: 64
          batch_size: 64
        space:
          learning_rate: { choice: [0.001] }
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

    /// <summary>Just before the search was started.</summary>
    public DateTimeOffset StartedAt { get; private set; }

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

    /// <summary>The search that held the slot while the monitored search started (cancelled since).</summary>
    public string BlockerId { get; } = $"blk-{Guid.NewGuid():N}"[..14];

    /// <summary>Epochs the blocker reported before it was cancelled: they count in the silo's epoch histogram too.</summary>
    public int BlockerEpochs { get; private set; }

    public async Task InitializeAsync()
    {
        PrometheusServer.RequireBinary();
        Assert.True(File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz")),
            $"Fashion-MNIST is missing from {FashionMnist}: run scripts/install-deps.sh (apt-get install -y dataset-fashion-mnist)");

        // Keep the checkpoints of the best trial only, so that the retention at the search's end is visible.
        Silo = Own(SiloProcess.Start($"--HyperSearch:Coordinator:KeepCheckpoints={KeepCheckpoints}"));
        await Silo.WaitForAsync("/readyz", HttpStatusCode.OK, TimeSpan.FromSeconds(120));
        Prometheus = Own(await PrometheusServer.StartAsync($"127.0.0.1:{Silo.HttpPort}"));

        var specFile = Path.Combine(Path.GetTempPath(), $"hypersearch-mon-{SearchId}.yaml");
        var blockerFile = Path.Combine(Path.GetTempPath(), $"hypersearch-mon-{BlockerId}.yaml");
        File.WriteAllText(specFile, Spec);
        File.WriteAllText(blockerFile, BlockerSpec);
        using var stopScraping = new CancellationTokenSource();
        var scraper = Task.Run(() => ScrapeUntilAsync(stopScraping.Token));
        try
        {
            // The blocker takes the only slot first.
            await CliAsync("search", "start", blockerFile, "--id", BlockerId);
            await WaitForMetricAsync("the blocker's trial to hold the slot", e => e.Samples.Any(x => x.Name == "hypersearch_training_slots_busy" && x.Value == 1), TimeSpan.FromSeconds(180));

            StartedAt = DateTimeOffset.UtcNow;
            using var search = Cli("search", "start", specFile, "--id", SearchId, "--wait", "--json");

            // Its counters exist from its start; Prometheus scrapes them while no trial of it can run. Should they not
            // appear (the bug the counter tests catch), the fixture goes on and those tests fail on what Prometheus holds.
            var scraped = $"hypersearch_trials_completed_total{{search_id=\"{SearchId}\"}}";
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !search.HasExited && (await Prometheus.QueryAsync(scraped)).Count == 0)
            {
                await Task.Delay(250);
            }

            await CliAsync("search", "cancel", BlockerId);
            Assert.True(await search.WaitForExitAsync(TimeSpan.FromSeconds(240)), $"the search did not finish within 240 s\n{search.Output()}\n{Silo.Output()}");
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
            File.Delete(blockerFile);
        }

        using (var trials = Cli("search", "trials", BlockerId, "--json"))
        {
            Assert.True(await trials.WaitForExitAsync(TimeSpan.FromSeconds(90)) && trials.ExitCode == 0, $"could not read the blocker's trials\n{trials.Output()}");
            var list = JsonNode.Parse(trials.Lines().Last(l => l.StartsWith('[')))!.AsArray();
            BlockerEpochs = list.Sum(t => t!["epochs"]!.AsArray().Count);
        }

        Final = Exposition.Parse(await Silo.Http.GetStringAsync("/metrics"));
        Record(Final);
    }

    private ChildProcess Cli(params string[] args) => ChildProcess.Start($"hypersearch {string.Join(' ', args.Take(2))}", "dotnet",
        [Layout.CliDll, .. args, "--gateway", Silo.Gateway, "--cluster-id", Silo.ClusterId], Layout.Root);

    private async Task CliAsync(params string[] args)
    {
        using var cli = Cli(args);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromSeconds(90)), $"`hypersearch {string.Join(' ', args)}` did not finish\n{cli.Output()}");
        Assert.True(cli.ExitCode == 0, $"`hypersearch {string.Join(' ', args)}` exited {cli.ExitCode}\n{cli.Output()}\n{Silo.Output()}");
    }

    private async Task WaitForMetricAsync(string what, Func<Exposition, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Exposition.Parse(await Silo.Http.GetStringAsync("/metrics"))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:0} s waiting for {what}\n{Silo.Output()}");
            await Task.Delay(250);
        }
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
