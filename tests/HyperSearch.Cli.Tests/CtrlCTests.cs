using System.Diagnostics;
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
        var start = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", cli, "run", CliRunner.WriteSpec(LongSearch), "--run-dir", runs, "--id", "ctrlc"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // Wait until a trial has reported an epoch: the search is really training.
            // The read itself is bounded: a CLI that hangs silently must fail the test, not stall it.
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            string? line;
            try
            {
                while ((line = await process.StandardOutput.ReadLineAsync(deadline.Token)) is not null && !line.Contains(" epoch 1/", StringComparison.Ordinal))
                {
                }
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no epoch reported within 3 minutes (exited: {process.HasExited})");
            }

            Assert.True(line is not null, $"the CLI ended its output before any epoch: exit {(process.HasExited ? process.ExitCode : -1)}\n{(process.HasExited ? await stderr : "")}");
            using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync();
            }

            var rest = process.StandardOutput.ReadToEndAsync();
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            var exited = process.HasExited;
            Assert.True(exited, "the CLI did not exit within 120 s of SIGINT");

            Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{await rest}\n{await stderr}");
            Assert.Contains("Cancelling", await stderr);
            Assert.Contains("cancelled", await rest);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "ctrlc", "summary.json")));
            Assert.Equal("cancelled", summary.RootElement.GetProperty("state").GetString());
            using var trials = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "ctrlc", "trials.json")));
            var first = trials.RootElement[0];
            Assert.Equal("cancelled", first.GetProperty("state").GetString());
            Assert.True(first.GetProperty("epochs").GetArrayLength() >= 1, "the epochs trained before Ctrl-C are kept");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
