using System.Text.Json;

namespace HyperSearch.Cli.Tests;

/// <summary>Failures never look like success: NaN objectives fail their trials, a search with nothing completed exits
/// 3 and claims no best, a metric typo or a missing program is refused up front, stderr tails stay out of stdout.
/// Command trials (bash one-liners) keep these fast: no training.</summary>
public sealed class HonestEndTests
{
    private static string CommandSpec(string script, string metric = "val_accuracy", int maxTrials = 2, int maxFailed = 5) => $$"""
        name: honest
        dataset: synthetic
        search: { sampler: random, max_trials: {{maxTrials}}, max_failed_trials: {{maxFailed}}, metric: {{metric}}, seed: 1 }
        training: { epochs: 1 }
        space:
          lr: { uniform: [0.1, 0.2] }
        trainer:
          command: [bash, -c, '{{script.Replace("'", "''", StringComparison.Ordinal)}}']
        """;

    private static string Runs() => Path.Combine(Path.GetTempPath(), $"hs-honest-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_nan_objective_fails_the_trial_as_diverged_and_the_search_exits_3_with_json_only_on_stdout()
    {
        var runs = Runs();
        var spec = CliRunner.WriteSpec(CommandSpec("""echo '{"epoch": 1, "val_accuracy": NaN, "val_loss": 1.0}'"""));
        var result = await CliRunner.RunAsync("run", spec, "--json", "--run-dir", runs, "--id", "nan");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        // --json: stdout is exactly one JSON object.
        var line = Assert.Single(result.StdoutLines);
        using var summary = JsonDocument.Parse(line);
        Assert.Equal("failed", summary.RootElement.GetProperty("state").GetString());
        Assert.Equal(0, summary.RootElement.GetProperty("trials").GetProperty("completed").GetInt32());
        Assert.Equal(2, summary.RootElement.GetProperty("trials").GetProperty("failed").GetInt32());
        Assert.Equal(JsonValueKind.Null, summary.RootElement.GetProperty("best_trial").ValueKind);
        Assert.Contains("no trial completed", summary.RootElement.GetProperty("stop_reason").GetString());

        using var trials = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs, "nan", "trials.json")));
        Assert.All(trials.RootElement.EnumerateArray(), t =>
        {
            Assert.Equal("failed", t.GetProperty("state").GetString());
            Assert.StartsWith("diverged: objective val_accuracy is NaN", t.GetProperty("failure_reason").GetString());
        });

        var diagnose = await CliRunner.RunAsync("diagnose", "nan", "--run-dir", runs, "--json");
        Assert.Equal(0, diagnose.ExitCode);
        Assert.Contains("\"all_failed\"", diagnose.Stdout);
        Assert.Contains("\"non_finite_objective\"", diagnose.Stdout);
    }

    [Fact]
    public async Task More_failures_than_allowed_exit_3_and_the_stderr_tail_goes_to_stderr_only()
    {
        var runs = Runs();
        var spec = CliRunner.WriteSpec(CommandSpec("echo first-marker-line >&2; echo second-marker-line >&2; exit 1", maxTrials: 3, maxFailed: 1));
        var result = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "failing");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("failed", result.Stdout);
        Assert.Contains("no best configuration", result.Stdout);
        Assert.DoesNotContain("Best configuration", result.Stdout);
        // The program's stderr is in the failure details on stderr, never in the stdout summary.
        Assert.DoesNotContain("second-marker-line", result.Stdout);
        Assert.Contains("second-marker-line", result.Stderr);
        Assert.Contains("error: search failing failed", result.Stderr);
    }

    [Fact]
    public async Task An_objective_no_trial_reports_fails_the_trials_and_diagnose_names_it()
    {
        var runs = Runs();
        var spec = CliRunner.WriteSpec(CommandSpec("""echo '{"epoch": 1, "val_accuracy": 0.5}'""", metric: "val_acuracy"));
        var result = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "typo");

        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var diagnose = await CliRunner.RunAsync("diagnose", "typo", "--run-dir", runs);
        Assert.Contains("no trial reported the objective 'val_acuracy' (reported: val_accuracy)", diagnose.Stdout);
    }

    [Fact]
    public async Task Validate_refuses_a_metric_the_built_in_trainer_does_not_report()
    {
        var spec = CliRunner.WriteSpec("""
            name: typo
            dataset: { name: fashion-mnist, train_subset: 500 }
            search: { sampler: random, max_trials: 1, metric: val_acc }
            training: { epochs: 1 }
            """);
        var result = await CliRunner.RunAsync("validate", spec, "--no-data");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(":3: search.metric: the built-in trainer does not report 'val_acc'", result.Stderr);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("run")]
    public async Task A_command_whose_program_does_not_exist_is_refused_before_anything_starts(string verb)
    {
        var runs = Runs();
        var spec = CliRunner.WriteSpec(CommandSpec("true").Replace("[bash, -c, 'true']", "[./no-such-trainer.sh, --fast]", StringComparison.Ordinal));
        var result = verb == "run"
            ? await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "missing")
            : await CliRunner.RunAsync("validate", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("trainer.command: program not found", result.Stderr);
        Assert.Contains("no-such-trainer.sh", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(runs, "missing")), "nothing may start for a refused spec");
    }

    [Fact]
    public async Task An_existing_run_directory_is_never_overwritten_and_the_refusal_says_how_to_resume()
    {
        var runs = Runs();
        var existing = Path.Combine(runs, "taken");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "spec.yaml"), "kept");
        var spec = CliRunner.WriteSpec(CommandSpec("""echo '{"epoch": 1, "val_accuracy": 0.5}'"""));
        var result = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--id", "taken");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already holds search taken", result.Stderr);
        Assert.Contains($"--resume taken --run-dir {runs}", result.Stderr);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(existing, "spec.yaml")));

        var nothing = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--resume", "absent");
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("nothing to resume", nothing.Stderr);

        // Results without stored state cannot be resumed: starting over would overwrite them.
        File.WriteAllText(Path.Combine(existing, "trials.json"), "[]");
        var stateless = await CliRunner.RunAsync("run", spec, "--run-dir", runs, "--resume", "taken");
        Assert.Equal(2, stateless.ExitCode);
        Assert.Contains("cannot be resumed", stateless.Stderr);
        Assert.Equal("[]", File.ReadAllText(Path.Combine(existing, "trials.json")));
    }
}
