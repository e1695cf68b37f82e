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
    public void Output_that_is_not_a_terminal_gets_plain_lines()
    {
        Assert.False(LiveView.IsTerminal(new StringWriter()));
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
