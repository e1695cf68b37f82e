using System.Text.Json;

namespace HyperSearch.Cli.Tests;

/// <summary>`hypersearch run` killed with SIGKILL mid-search loses nothing: `run --resume` keeps the completed trials,
/// continues the running one from its checkpoint under the same number, and finishes the search; then it exits
/// promptly, with no Orleans stack traces.</summary>
public sealed class KillAndResumeTests
{
    // 12,000 training images make an epoch take about a second even on an idle machine: trial 1 stays running for
    // seconds after its first epoch reaches trials.json, and Ctrl-C after epoch 1 lands before trial 0 can finish.
    private const string Search = """
        name: resumable
        dataset: { name: fashion-mnist, train_subset: 12000, validation_fraction: 0.02 }
        search: { sampler: random, max_trials: 3, seed: 7 }
        training: { epochs: 5, conv1_filters: 8, conv2_filters: 8, dense_units: 16, batch_size: 32 }
        space:
          dropout: { uniform: [0.1, 0.5] }
        """;

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "hypersearch.dll");

    [Fact]
    public async Task Sigkill_then_resume_completes_under_the_same_trial_numbers_from_the_checkpoints()
    {
        FashionMnist.Require();
        var runs = Path.Combine(Path.GetTempPath(), $"hs-resume-{Guid.NewGuid():N}");
        var spec = CliRunner.WriteSpec(Search);
        var trialsFile = Path.Combine(runs, "r", "trials.json");

        JsonElement[] atKill;
        using (var first = StartCli("run", spec, "--run-dir", runs, "--id", "r"))
        {
            // Kill once trial 0 has completed and trial 1 has a checkpointed epoch (an epoch in trials.json was
            // checkpointed before it was reported). `run` rewrites trials.json after every epoch it sees (it polls
            // every 0.5 s).
            // The deadline follows progress (a loaded machine trains slowly): 5 minutes without a new epoch fail.
            var deadline = DateTime.UtcNow.AddMinutes(5);
            var epochsSeen = -1;
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the search reported no epoch for 5 minutes before reaching trial 1\n{first.Output()}");
                Assert.False(first.HasExited, $"the run ended before it was killed\n{first.Output()}");
                await Task.Delay(200);
                atKill = ReadTrials(trialsFile);
                if (atKill.Sum(t => Epochs(t).Length) is var epochs && epochs > epochsSeen)
                {
                    (epochsSeen, deadline) = (epochs, DateTime.UtcNow.AddMinutes(5));
                }

                if (atKill.Length >= 2 && State(atKill[0]) == "completed" && State(atKill[1]) == "running" && Epochs(atKill[1]).Length >= 1)
                {
                    break;
                }
            }

            first.Kill(); // SIGKILL: no handler runs, nothing is flushed
        }

        // Each attempt checkpoints into trial-NNNN/attempts/ATTEMPT/ (promoted to trial-NNNN/ once its result is accepted).
        var trial1 = Path.Combine(runs, "r", "checkpoints", "r", "trial-0001");
        Assert.True(Directory.Exists(trial1) && Directory.EnumerateFiles(trial1, "checkpoint.bin", SearchOption.AllDirectories).Any(),
            "trial 1 has no checkpoint in the run directory");

        using var resumed = StartCli("run", spec, "--run-dir", runs, "--resume", "r");
        Assert.True(await resumed.WaitForExitWhileActiveAsync(TimeSpan.FromMinutes(5)), $"the resumed run printed nothing for 5 minutes\n{resumed.Output()}");
        var exitedAfter = DateTime.UtcNow - resumed.LastStdOutLineAt;
        var errors = resumed.StdErr;
        Assert.True(resumed.ExitCode == 0, $"exit {resumed.ExitCode}\n{resumed.StdOut}\n{errors}");
        Assert.Contains(resumed.StdOut.Split('\n'), l => l.StartsWith("Resuming r: 1 finished trial(s) kept", StringComparison.Ordinal));
        Assert.True(exitedAfter < TimeSpan.FromSeconds(5), $"run took {exitedAfter.TotalSeconds:0.0} s to exit after its last line");
        Assert.DoesNotContain("   at Orleans", errors);

        var after = ReadTrials(trialsFile);
        Assert.Equal([0, 1, 2], after.Select(t => t.GetProperty("number").GetInt32()));
        Assert.All(after, t => Assert.Equal("completed", State(t)));
        Assert.All(after, t => Assert.Equal(5, Epochs(t).Length));

        // Trial 0 was kept as it was; trial 1 continued from its checkpoint: the epochs it had are the very same
        // measurements (a retrained epoch 1 would have a new epoch time), and only a new attempt ran.
        Assert.Equal(Seconds(atKill[0]), Seconds(after[0]));
        Assert.Equal(1, after[0].GetProperty("attempt").GetInt32());
        var kept = Seconds(atKill[1]);
        Assert.Equal(kept, Seconds(after[1]).Take(kept.Length));
        Assert.True(after[1].GetProperty("attempt").GetInt32() >= 2, "trial 1 should have been resumed by a new attempt");

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "r", "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Ctrl_c_prints_the_resume_command_and_resume_continues_the_cancelled_trial_from_its_checkpoint()
    {
        FashionMnist.Require();
        var runs = Path.Combine(Path.GetTempPath(), $"hs-ctrlc-resume-{Guid.NewGuid():N}");
        var spec = CliRunner.WriteSpec(Search.Replace("max_trials: 3", "max_trials: 2", StringComparison.Ordinal));
        var trialsFile = Path.Combine(runs, "c", "trials.json");

        // As from an interactive shell: a test runner started in the background passes SIGINT down as ignored.
        JsonElement[] atCancel;
        using (var first = ChildProcess.Start("hypersearch run", "env", ["--default-signal=INT", "dotnet", Cli, "run", spec, "--run-dir", runs, "--id", "c"]))
        {
            var line = await first.WaitForLineAsync(l => l.Contains("trial 0 epoch 1/", StringComparison.Ordinal), TimeSpan.FromMinutes(5));
            Assert.True(line is not null, $"the run ended before trial 0 reported an epoch\n{first.Output()}");
            await first.InterruptAsync();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"the CLI did not exit within 120 s of SIGINT\n{first.Output()}");
            Assert.Equal(1, first.ExitCode);
            Assert.Contains($"Cancelled. Resume with: hypersearch run {spec} --resume c --run-dir {runs}", first.StdErr);
        }

        atCancel = ReadTrials(trialsFile);
        Assert.Equal("cancelled", State(atCancel[0]));
        Assert.True(Epochs(atCancel[0]).Length >= 1, "the epochs trained before Ctrl-C are kept");

        var resumed = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--resume", "c");
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains("Resuming c (was cancelled)", resumed.Stdout);
        var after = ReadTrials(trialsFile);
        Assert.Equal([0, 1], after.Select(t => t.GetProperty("number").GetInt32()));
        Assert.All(after, t => Assert.Equal("completed", State(t)));
        var kept = Seconds(atCancel[0]);
        Assert.Equal(kept, Seconds(after[0]).Take(kept.Length));
        Assert.Equal(5, Epochs(after[0]).Length);
    }

    private static ChildProcess StartCli(params string[] args) => ChildProcess.Start($"hypersearch {args[0]}", "dotnet", [Cli, .. args]);

    private static JsonElement[] ReadTrials(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return [.. doc.RootElement.EnumerateArray().Select(t => t.Clone())];
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return [];
        }
    }

    private static string? State(JsonElement trial) => trial.GetProperty("state").GetString();

    private static JsonElement[] Epochs(JsonElement trial) => [.. trial.GetProperty("epochs").EnumerateArray()];

    private static double[] Seconds(JsonElement trial) =>
        [.. Epochs(trial).Select(e => e.GetProperty("values").GetProperty("epoch_seconds").GetDouble())];
}
