using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cli.Tests;

/// <summary>The cluster side of `search status|best` for a multi-objective search (its Pareto front, with no flags)
/// and `search start --warm-start`, against a real silo reached through its gateway. The trials are python one-liners
/// (score and cost of one parameter x), so the silo trains nothing.</summary>
public sealed partial class ClusterFrontAndWarmStartTests(ClusterFrontAndWarmStartTests.Cluster cluster) : IClassFixture<ClusterFrontAndWarmStartTests.Cluster>
{
    /// <summary>score rises with x up to 0.6 and falls after it; cost is x: trials past 0.6 are usually dominated.</summary>
    private const string Trainer = """
        trainer:
          command: [python3, -c, 'import json, os; x = float(os.environ["HYPERSEARCH_PARAM_X"]); print(json.dumps({"epoch": 1, "score": x * (1.2 - x), "cost": x}))']
        """;

    private const string MultiObjective = $"""
        name: front
        dataset: synthetic
        search:
          sampler: nsga2
          max_trials: 8
          seed: 3
          objectives:
            - {"{"}metric: score, mode: max{"}"}
            - {"{"}metric: cost, mode: min{"}"}
        training: {"{"} epochs: 1 {"}"}
        space:
          x: {"{"} uniform: [0.0, 1.0] {"}"}
        {Trainer}
        """;

    /// <summary>One objective, and a narrower space: only the earlier trials with x ≤ 0.5 fit it.</summary>
    private const string Narrower = $"""
        name: warm
        dataset: synthetic
        search: {"{"} sampler: tpe, max_trials: 2, metric: score, mode: max, seed: 4 {"}"}
        training: {"{"} epochs: 1 {"}"}
        space:
          x: {"{"} uniform: [0.0, 0.5] {"}"}
        {Trainer}
        """;

    public sealed class Cluster : IAsyncLifetime
    {
        private readonly string _work = Path.Combine(Path.GetTempPath(), $"hs-front-{Guid.NewGuid():N}");
        private IHost? _silo;

        public string[] Connection { get; private set; } = [];

        public IGrainFactory Grains => _silo!.Services.GetRequiredService<IGrainFactory>();

        /// <summary>The finished multi-objective search every test reads.</summary>
        public string FrontSearch { get; } = "front-1";

        public async Task InitializeAsync()
        {
            var clusterId = $"front-{Guid.NewGuid():N}"[..16];
            var gateway = LoopbackPorts.Reserve();
            _silo = GatewaySilo.Build(clusterId, gateway, o =>
            {
                o.CheckpointDirectory = Path.Combine(_work, "checkpoints");
                o.Training.Enabled = true;
                o.Training.Device = "cpu";
                o.Training.Slots = 2;
            }, services => services.Configure<HyperSearch.Grains.Slots.TrainingSlotOptions>(o => o.IdlePoll = TimeSpan.FromSeconds(1)));
            await _silo.StartAsync();
            Connection = ["--gateway", $"127.0.0.1:{gateway}", "--cluster-id", clusterId];
            var start = await CliRunner.RunAsync(["search", "start", CliRunner.WriteSpec(MultiObjective), "--id", FrontSearch, "--wait", "--json", .. Connection]);
            Assert.True(start.ExitCode == 0, $"exit {start.ExitCode}\n{start.Stdout}\n{start.Stderr}");
        }

        public async Task DisposeAsync()
        {
            if (_silo is not null)
            {
                await _silo.StopAsync();
                _silo.Dispose();
            }

            if (Directory.Exists(_work))
            {
                Directory.Delete(_work, recursive: true);
            }
        }
    }

    private Task<CliResult> CliAsync(params string[] args) => CliRunner.RunAsync([.. args, .. cluster.Connection]);

    [Theory]
    [InlineData("status")]
    [InlineData("best")]
    public async Task A_cluster_read_of_a_multi_objective_search_shows_its_pareto_front_without_flags(string verb)
    {
        var trials = await TrialsAsync(cluster.FrontSearch);
        var completed = trials.Where(t => t.State == "completed").ToList();
        Assert.True(completed.Count >= 2, $"{completed.Count} completed trials");
        // Non-dominated: no other completed trial scores at least as high for no more cost, and better in one.
        var expected = completed
            .Where(t => !completed.Any(o => o.Score >= t.Score && o.Cost <= t.Cost && (o.Score > t.Score || o.Cost < t.Cost)))
            .Select(t => t.Number).Order().ToList();
        // Some completed trials are dominated, or reading the front off the trials would prove nothing.
        Assert.True(expected.Count > 0 && expected.Count < completed.Count, $"front {expected.Count} of {completed.Count} completed trials");

        var json = await CliAsync("search", verb, cluster.FrontSearch, "--json");
        Assert.True(json.ExitCode == 0, $"exit {json.ExitCode}\n{json.Stdout}\n{json.Stderr}");
        using var answer = JsonDocument.Parse(Assert.Single(json.StdoutLines));
        var front = answer.RootElement.GetProperty("pareto_front").EnumerateArray().ToList();
        Assert.Equal(expected, front.Select(p => p.GetProperty("trial").GetInt32()).Order());
        Assert.All(front, p =>
        {
            var trial = completed.Single(t => t.Number == p.GetProperty("trial").GetInt32());
            Assert.Equal(trial.Score, p.GetProperty("objectives").GetProperty("score").GetDouble());
            Assert.Equal(trial.Cost, p.GetProperty("objectives").GetProperty("cost").GetDouble());
        });
        Assert.Equal(["score", "cost"], answer.RootElement.GetProperty("objectives").EnumerateArray().Select(o => o.GetProperty("metric").GetString()));

        var text = await CliAsync("search", verb, cluster.FrontSearch);
        Assert.True(text.ExitCode == 0, $"exit {text.ExitCode}\n{text.Stdout}\n{text.Stderr}");
        Assert.Contains($"Pareto front: {expected.Count} trial(s)", text.Stdout);
        Assert.Equal(expected, FrontRow().Matches(text.Stdout).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task Start_with_warm_start_from_a_cluster_search_imports_only_its_compatible_trials()
    {
        var earlier = (await TrialsAsync(cluster.FrontSearch)).Where(t => t.State is "completed" or "pruned").ToList();
        var fitting = earlier.Where(t => t.X <= 0.5).Select(t => t.Number).Order().ToList();
        Assert.NotEmpty(fitting);
        Assert.NotEqual(earlier.Count, fitting.Count); // something must be left out, or the check below proves nothing

        var start = await CliAsync("search", "start", CliRunner.WriteSpec(Narrower), "--id", "warm-1", "--warm-start", cluster.FrontSearch, "--wait", "--json");
        Assert.True(start.ExitCode == 0, $"exit {start.ExitCode}\n{start.Stdout}\n{start.Stderr}");
        using (var started = JsonDocument.Parse(start.StdoutLines[0]))
        {
            Assert.Equal(fitting.Count, started.RootElement.GetProperty("warm_start").GetProperty("imported").GetInt32());
            Assert.Equal(earlier.Count - fitting.Count, started.RootElement.GetProperty("warm_start").GetProperty("skipped").GetInt32());
        }

        // The imported trials travel in the spec, so the coordinator's sampler has them.
        var spec = await cluster.Grains.GetGrain<ISearchGrain>("warm-1").GetSpecAsync();
        var warm = spec!.Search.WarmStart!;
        Assert.Equal(cluster.FrontSearch, warm.Source);
        Assert.Equal(fitting, warm.Trials.Select(t => t.SourceNumber).Order());
        Assert.Equal(earlier.Count - fitting.Count, warm.Skipped);

        // The report marks them as imported, each named by its number in the source search.
        var html = Path.Combine(Path.GetTempPath(), $"hs-warm-report-{Guid.NewGuid():N}.html");
        try
        {
            var report = await CliAsync("report", "warm-1", "-o", html);
            Assert.True(report.ExitCode == 0, $"exit {report.ExitCode}\n{report.Stdout}\n{report.Stderr}");
            var page = File.ReadAllText(html);
            Assert.Contains("<section id=\"warm-start\">", page);
            Assert.Equal(fitting, ImportedRow().Matches(page).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order());
        }
        finally
        {
            File.Delete(html);
        }

        // A single-objective cluster status answers as it always did: the summary, no front.
        var status = await CliAsync("search", "status", "warm-1", "--json");
        Assert.True(status.ExitCode == 0, $"exit {status.ExitCode}\n{status.Stdout}\n{status.Stderr}");
        using var summary = JsonDocument.Parse(Assert.Single(status.StdoutLines));
        Assert.Equal(2, summary.RootElement.GetProperty("trials").GetProperty("completed").GetInt32());
        Assert.False(summary.RootElement.TryGetProperty("pareto_front", out _));
    }

    [Fact]
    public async Task Start_with_warm_start_from_a_run_directory_imports_its_compatible_trials()
    {
        var dir = Directory.CreateTempSubdirectory("hs-warm-run-").FullName;
        try
        {
            TrialRecord Earlier(int number, double x) => new(number, new Dictionary<string, object> { ["x"] = x }, TrialState.Completed, 1,
                [new EpochMetrics(1, new Dictionary<string, double> { ["score"] = x * (1.2 - x) })], null, null, null, null, null, x * (1.2 - x));
            File.WriteAllText(Path.Combine(dir, RunDirectory.TrialsFile), JsonSerializer.Serialize(new[] { Earlier(0, 0.2), Earlier(1, 0.9), Earlier(2, 0.4) }, HyperSearch.Cli.Output.Json.Compact));

            var start = await CliAsync("search", "start", CliRunner.WriteSpec(Narrower), "--id", "warm-dir", "--warm-start", dir);
            Assert.True(start.ExitCode == 0, $"exit {start.ExitCode}\n{start.Stdout}\n{start.Stderr}");
            Assert.Contains($"Warm start from {Path.GetFileName(dir)}: 2 trial(s) imported, 1 skipped", start.Stdout);
            var warm = (await cluster.Grains.GetGrain<ISearchGrain>("warm-dir").GetSpecAsync())!.Search.WarmStart!;
            Assert.Equal([0, 2], warm.Trials.Select(t => t.SourceNumber).Order());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_warm_start_source_is_bad_input_and_starts_no_search()
    {
        var result = await CliAsync("search", "start", CliRunner.WriteSpec(Narrower), "--id", "warm-unknown", "--warm-start", "no-such-search");
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("--warm-start no-such-search", result.Stderr);
        Assert.Contains("no search with that id on this cluster", result.Stderr);
        Assert.Null(await cluster.Grains.GetGrain<ISearchGrain>("warm-unknown").GetSpecAsync());
        Assert.DoesNotContain(await cluster.Grains.GetGrain<ISearchRegistryGrain>(0).ListAsync(), s => s.SearchId == "warm-unknown");
    }

    private sealed record Trial(int Number, string State, double X, double Score, double Cost);

    /// <summary>The search's own trials, as `search trials --json` gives them.</summary>
    private async Task<List<Trial>> TrialsAsync(string searchId)
    {
        var listing = await CliAsync("search", "trials", searchId, "--json");
        Assert.True(listing.ExitCode == 0, listing.Stderr);
        using var document = JsonDocument.Parse(Assert.Single(listing.StdoutLines));
        return document.RootElement.EnumerateArray().Select(t =>
        {
            var last = t.GetProperty("epochs").EnumerateArray().LastOrDefault();
            double Metric(string name) => last.ValueKind == JsonValueKind.Object && last.GetProperty("values").TryGetProperty(name, out var v) ? v.GetDouble() : double.NaN;
            return new Trial(t.GetProperty("number").GetInt32(), t.GetProperty("state").GetString()!, t.GetProperty("parameters").GetProperty("x").GetDouble(),
                Metric("score"), Metric("cost"));
        }).ToList();
    }

    [GeneratedRegex(@"^\s*#(\d+)\s", RegexOptions.Multiline)]
    private static partial Regex FrontRow();

    [GeneratedRegex("<tr class=\"imported\"><td>imported</td><td>[^<#]*#(\\d+)</td>")]
    private static partial Regex ImportedRow();
}
