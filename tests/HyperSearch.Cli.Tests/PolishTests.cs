using HyperSearch.Cli.Output;
using HyperSearch.Cli.Reports;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;
using Spectre.Console;

namespace HyperSearch.Cli.Tests;

/// <summary>What a new user hit: a YAML crash, a leaderboard cut to "0.8" in 80 columns, importance that did not add up,
/// and `search list|watch` that only knew clusters.</summary>
public sealed class PolishTests
{
    [Fact]
    public async Task An_unclosed_bracket_followed_by_another_key_is_a_located_error_not_a_crash()
    {
        var spec = CliRunner.WriteSpec("name: x\ndataset: fashion-mnist\nspace:\n  dropout: [0.1, 0.2\nsearch:\n  sampler: random\n");
        var result = await CliRunner.RunAsync("validate", spec, "--no-data");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(":4: (document): not valid YAML/JSON: a '[' or '{' opened on line 4 is never closed", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public void The_leaderboard_keeps_whole_values_in_80_columns()
    {
        var trials = Enumerable.Range(0, 3).Select(i => new TrialRecord(i,
            new Dictionary<string, object> { ["conv1_filters"] = 64L, ["conv2_filters"] = 128L, ["dense_units"] = 512L, ["dropout"] = 0.312345 + i, ["learning_rate"] = 0.00123456, ["batch_size"] = 64L },
            TrialState.Completed, 1, [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.8734 - i / 100.0 })],
            null, 1_234_567, null, null, null, 0.8734 - i / 100.0)).ToList();
        var status = new SearchStatus("s", "s", SearchState.Completed, "done", new Dictionary<TrialState, int> { [TrialState.Completed] = 3 }, [],
            null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 3, 3, EpochMetrics.ValAccuracy, true);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 80;
        ResultPrinter.PrintLeaderboard(console, status, trials);
        var text = writer.ToString();
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, $"wider than 80 columns: {line}"));
        foreach (var value in new[] { "0.8734", "0.8634", "1,234,567", "learning_rate=0.00123456", "dropout=0.312345" })
        {
            Assert.Contains(value, text);
        }
    }

    [Fact]
    public void Parameter_importance_shares_sum_to_one_or_say_why_not()
    {
        var trials = new List<(IReadOnlyDictionary<string, object>, double)>
        {
            (new Dictionary<string, object> { ["a"] = 1L, ["b"] = "x" }, 0.5),
            (new Dictionary<string, object> { ["a"] = 2L, ["b"] = "x" }, 0.7),
            (new Dictionary<string, object> { ["a"] = 1L, ["b"] = "y" }, 0.6),
            (new Dictionary<string, object> { ["a"] = 2L, ["b"] = "y" }, 0.9),
        };
        var (shares, why) = ParameterImportance.Shares(trials);
        Assert.Null(why);
        Assert.Equal(1.0, shares.Sum(s => s.Importance), 9);
        Assert.Equal("a", shares[0].Parameter);

        var flat = trials.Select(t => (t.Item1, 0.5)).ToList();
        Assert.Contains("did not vary", ParameterImportance.Shares(flat).WhyNot);
        Assert.Contains("at least 2", ParameterImportance.Shares(trials.Take(1).ToList()).WhyNot);
    }

    [Fact]
    public async Task Search_list_and_watch_read_run_directories()
    {
        var runs = Path.Combine(Path.GetTempPath(), $"hs-list-{Guid.NewGuid():N}");
        var spec = CliRunner.WriteSpec("""
            name: listed
            dataset: synthetic
            search: { sampler: random, max_trials: 1, seed: 1 }
            training: { epochs: 1 }
            space:
              lr: { uniform: [0.1, 0.2] }
            trainer:
              command: [bash, -c, 'echo "{\"epoch\": 1, \"val_accuracy\": 0.5}"']
            """);
        var run = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "listed-1");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);

        var list = await CliRunner.RunAsync("search", "list", "--run-dir", runs);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("listed-1", list.Stdout);
        Assert.Contains("completed", list.Stdout);

        var watch = await CliRunner.RunAsync("search", "watch", "listed-1", "--run-dir", runs);
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr);
        Assert.Contains("Search listed-1: completed", watch.Stdout);

        // A run no process holds that never finished was interrupted: watch says how to resume it.
        var summary = Path.Combine(runs, "listed-1", "summary.json");
        File.WriteAllText(summary, File.ReadAllText(summary).Replace("\"completed\"", "\"running\"", StringComparison.Ordinal));
        var interrupted = await CliRunner.RunAsync("search", "watch", "listed-1", "--run-dir", runs);
        Assert.Equal(1, interrupted.ExitCode);
        Assert.Contains("--resume listed-1", interrupted.Stderr);
    }
}
