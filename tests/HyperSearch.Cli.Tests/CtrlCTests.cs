using System.Text.Json;

namespace HyperSearch.Cli.Tests;

/// <summary>Ctrl-C on `hypersearch run` cancels cleanly: running trials stop within a batch, results are kept.</summary>
public sealed class CtrlCTests
{
    private const string LongSearch = """
        name: long
        dataset: { name: fashion-mnist, train_subset: 3000 }
        search: { sampler: random, max_trials: 5, seed: 1 }
        training: { epochs: 30, conv1_filters: 8, conv2_filters: 8, dense_units: 16, batch_size: 32 }
        space:
          dropout: { uniform: [0.1, 0.5] }
        """;

    [Fact]
    public async Task Sigint_cancels_the_search_and_keeps_the_results()
    {
        FashionMnist.Require();
        var runs = Path.Combine(Path.GetTempPath(), $"hs-ctrlc-{Guid.NewGuid():N}");
        var cli = Path.Combine(AppContext.BaseDirectory, "hypersearch.dll");
        // As from an interactive shell: a test runner started in the background passes SIGINT down as ignored,
        // and .NET (like a shell) leaves an ignored SIGINT ignored.
        using var process = ChildProcess.Start("hypersearch run", "env", ["--default-signal=INT", "dotnet", cli, "run", CliRunner.WriteSpec(LongSearch), "--run-dir", runs, "--id", "ctrlc"]);

        // Wait until a trial has reported an epoch: the search is really training. A CLI that hangs silently fails
        // the test rather than stalling it.
        var line = await process.WaitForLineAsync(l => l.Contains(" epoch 1/", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        Assert.True(line is not null, $"the CLI ended its output before any epoch\n{process.Output()}");
        await process.InterruptAsync();
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"the CLI did not exit within 120 s of SIGINT\n{process.Output()}");

        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{process.StdOut}\n{process.StdErr}");
        Assert.Contains("Cancelling", process.StdErr);
        Assert.Contains("cancelled", process.StdOut);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "ctrlc", "summary.json")));
        Assert.Equal("cancelled", summary.RootElement.GetProperty("state").GetString());
        using var trials = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "ctrlc", "trials.json")));
        var first = trials.RootElement[0];
        Assert.Equal("cancelled", first.GetProperty("state").GetString());
        Assert.True(first.GetProperty("epochs").GetArrayLength() >= 1, "the epochs trained before Ctrl-C are kept");
    }
}
