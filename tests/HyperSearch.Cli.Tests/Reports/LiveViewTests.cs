using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Tests.Diagnostics;
using HyperSearch.Contracts.Trials;
using Spectre.Console;

namespace HyperSearch.Cli.Tests.Reports;

public sealed class LiveViewTests
{
    [Fact]
    public void The_live_view_shows_running_trials_with_progress_accuracy_eta_counts_and_the_best()
    {
        var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var running = DiagnosticsTests.Trial(4, TrialState.Running, null, (1.0, 0.70, 0.9, 0.72), (0.8, 0.78, 0.7, 0.77)) with { StartedAt = start };
        var status = new SearchStatus("s-1", "demo", SearchState.Running, null,
            new Dictionary<TrialState, int> { [TrialState.Running] = 1, [TrialState.Completed] = 3, [TrialState.Pruned] = 2 },
            [new RunningTrial(4, 2, 8, 0.78, 0.77, "silo-a/slot0", start)],
            new BestTrial(1, new Dictionary<string, object> { ["learning_rate"] = 0.002 }, 0.8812, 0.8812, 1000),
            null, start, null, 10, 17, "val_accuracy", true);

        // Two epochs of 1.5 s each are done, 1 s into the third: 6 epochs left at 1.5 s, less that second.
        var now = start.AddSeconds(4);
        Assert.Equal(TimeSpan.FromSeconds(8), LiveView.Eta(status.Running[0], running, now));

        var text = Render(LiveView.Render(status, [running], now));
        Assert.Contains("running 1", text);
        Assert.Contains("completed 3", text);
        Assert.Contains("pruned 2", text);
        Assert.Contains("5/10 trials done", text);
        Assert.Contains("best so far: val_accuracy 0.8812 (trial 1: learning_rate=0.002)", text);
        Assert.Contains("2/8", text);
        Assert.Contains("███░░░░░░░ 25%", text);
        Assert.Contains("0.7800", text);
        Assert.Contains("0.7700", text);
        Assert.Contains("00:08", text);
    }

    [Fact]
    public async Task Output_that_is_not_a_terminal_gets_plain_lines()
    {
        Assert.False(LiveView.IsTerminal(new StringWriter()));

        // A real run into a StringWriter: what a pipe, a log file or CI gets.
        var npz = MismatchDiagnosticTests.WriteNpz(trainScale: 1f, testScale: 1f);
        var spec = CliRunner.WriteSpec($$"""
            name: plain
            dataset: { name: npz, path: {{npz}}, validation_fraction: 0.2 }
            search: { sampler: grid, max_trials: 2, max_concurrent: 1, seed: 1 }
            training: { epochs: 2, conv1_filters: 4, conv2_filters: 4, dense_units: 8, batch_size: 32 }
            space:
              learning_rate: { choice: [0.01, 0.001] }
            """);
        var runs = Path.Combine(Path.GetTempPath(), $"hs-plain-{Guid.NewGuid():N}");
        var result = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "plain");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);

        // No live view: no escape sequences, no redrawn table or progress bar, only whole lines.
        Assert.DoesNotContain('\u001b', result.Stdout);
        Assert.DoesNotContain("█", result.Stdout);
        Assert.DoesNotContain("░", result.Stdout);
        Assert.DoesNotContain('\r', result.Stdout);

        // One line per epoch and one per ended trial, each exactly once however often the search was polled,
        // carrying the trial's own metrics.
        var lines = result.Stdout.Split('\n');
        var trials = SearchResultsOf(runs);
        Assert.Equal(2, trials.Count);
        foreach (var (number, valAccuracies) in trials)
        {
            Assert.Equal(2, valAccuracies.Count);
            for (var e = 0; e < valAccuracies.Count; e++)
            {
                var epochLine = Assert.Single(lines, l => Regex.IsMatch(l, $@"^\[\d\d:\d\d:\d\d\] trial {number} epoch {e + 1}(/2)?: "));
                Assert.Matches(@": train_acc \d\.\d{4} val_acc \d\.\d{4} val_loss \d+\.\d{4} \| done \d/2 · best ", epochLine);
                Assert.Contains($"val_acc {valAccuracies[e].ToString("0.0000", CultureInfo.InvariantCulture)} ", epochLine);
            }

            var ended = Assert.Single(lines, l => Regex.IsMatch(l, $@"^\[\d\d:\d\d:\d\d\] trial {number} completed after 2 epoch\(s\): val_accuracy \d\.\d{{4}}$"));
            Assert.True(Array.IndexOf(lines, ended) > lines.ToList().FindLastIndex(l => l.Contains($"trial {number} epoch ", StringComparison.Ordinal)), "a trial's end line comes after its epochs");
        }
    }

    /// <summary>Trial number → validation accuracy per epoch, from the run directory's trials.json.</summary>
    private static List<(int Number, List<double> ValAccuracy)> SearchResultsOf(string runs)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "plain", "trials.json")));
        return doc.RootElement.EnumerateArray().Select(t => (
            t.GetProperty("number").GetInt32(),
            t.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("values").GetProperty("val_accuracy").GetDouble()).ToList())).ToList();
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 160;
        console.Write(renderable);
        return writer.ToString();
    }
}
