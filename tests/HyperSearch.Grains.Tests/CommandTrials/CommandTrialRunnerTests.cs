using System.Runtime.Versioning;
using System.Text.Json;
using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>What a command trial reads from its program: metrics, exit codes, stderr, stray output.</summary>
[Collection(MachineCollection.Name)]
public sealed class CommandTrialRunnerTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly List<string> _diagnostics = [];
    private readonly CommandTrialRunner _runner;

    public CommandTrialRunnerTests() => _runner = new CommandTrialRunner(d =>
    {
        lock (_diagnostics)
        {
            _diagnostics.Add(d);
        }
    });

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Epoch_lines_become_metrics_and_a_clean_exit_completes()
    {
        var command = _dir.Bash("""
            echo '{"epoch": 1, "val_accuracy": 0.5, "train_loss": 1.25}'
            echo '{"epoch": 2, "val_accuracy": 0.75, "train_loss": 0.5, "note": "text is skipped"}'
            echo '{"epoch": 3.0, "val_accuracy": 0.875, "val_loss": NaN}'
            echo '{"best": 0.875}'
            """);
        var recorder = new EpochRecorder();

        var outcome = await _runner.RunAsync(_dir.Work(command), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(new TrialOutcomeReport(TrialState.Completed, null, null), outcome);
        Assert.Equal([1, 2, 3], recorder.Epochs.Select(e => e.Epoch));
        Assert.Equal(0.5, recorder.Epochs[0].Get("val_accuracy"));
        Assert.Equal(1.25, recorder.Epochs[0].Get("train_loss"));
        Assert.False(recorder.Epochs[0].Values.ContainsKey("epoch"));
        Assert.Null(recorder.Epochs[1].Get("note"));
        Assert.True(double.IsNaN(recorder.Epochs[2].Get("val_loss")!.Value));
        Assert.Empty(_diagnostics);
    }

    [Fact]
    public async Task Parameters_arrive_as_a_json_file_and_as_environment_variables()
    {
        var command = _dir.Bash("""
            cp "$HYPERSEARCH_PARAMS_FILE" "$HYPERSEARCH_CHECKPOINT_DIR/seen-params.json"
            env | grep '^HYPERSEARCH_' | sort > "$HYPERSEARCH_CHECKPOINT_DIR/seen-env.txt"
            pwd > "$HYPERSEARCH_CHECKPOINT_DIR/seen-pwd.txt"
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            """);
        var parameters = new Dictionary<string, object>
        {
            ["learning_rate"] = 0.00125,
            ["conv1_filters"] = 64L,
            ["optimizer"] = "adam",
            ["use-bn"] = true,
        };
        var work = _dir.Work(command, parameters: parameters, resume: true, workingDirectory: _dir.Root);

        var outcome = await _runner.RunAsync(work, new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Completed, outcome.State);
        using var json = JsonDocument.Parse(_dir.ReadCheckpointFile("seen-params.json"));
        var file = json.RootElement;
        Assert.Equal(0.00125, file.GetProperty("learning_rate").GetDouble());
        Assert.Equal(64, file.GetProperty("conv1_filters").GetInt64());
        Assert.Equal("adam", file.GetProperty("optimizer").GetString());
        Assert.True(file.GetProperty("use-bn").GetBoolean());
        Assert.Equal(3, file.GetProperty("epochs").GetInt64()); // a fixed training knob, merged in

        var env = _dir.ReadCheckpointFile("seen-env.txt").Split('\n');
        Assert.Contains("HYPERSEARCH_PARAM_LEARNING_RATE=0.00125", env);
        Assert.Contains("HYPERSEARCH_PARAM_CONV1_FILTERS=64", env);
        Assert.Contains("HYPERSEARCH_PARAM_OPTIMIZER=adam", env);
        Assert.Contains("HYPERSEARCH_PARAM_USE_BN=true", env);
        Assert.Contains("HYPERSEARCH_PARAM_EPOCHS=3", env);
        Assert.Contains("HYPERSEARCH_TRIAL=4", env);
        Assert.Contains("HYPERSEARCH_ATTEMPT=2", env);
        Assert.Contains("HYPERSEARCH_SEARCH_ID=search-1", env);
        Assert.Contains("HYPERSEARCH_RESUME=1", env);
        Assert.Contains("HYPERSEARCH_MODE=train", env);
        Assert.Contains($"HYPERSEARCH_SEED={CommandEnvironment.SeedFor(work)}", env);
        Assert.Contains($"HYPERSEARCH_CHECKPOINT_DIR={_dir.Checkpoints}", env);
        Assert.Contains($"HYPERSEARCH_PARAMS_FILE={Path.Combine(_dir.Checkpoints, "params.json")}", env);
        Assert.Equal(_dir.Root, _dir.ReadCheckpointFile("seen-pwd.txt"));
    }

    [Fact]
    public async Task A_crash_fails_with_the_exit_code_and_the_tail_of_stderr()
    {
        var command = _dir.Bash("""
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            for i in $(seq 1 50); do echo "stderr line $i" >&2; done
            echo 'Traceback: CUDA out of memory' >&2
            exit 3
            """);
        var recorder = new EpochRecorder();

        var outcome = await _runner.RunAsync(_dir.Work(command), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.StartsWith("exit code 3; stderr tail:", outcome.FailureReason);
        Assert.Contains("Traceback: CUDA out of memory", outcome.FailureReason);
        Assert.Contains("stderr line 50", outcome.FailureReason);
        Assert.Contains("stderr line 32\n", outcome.FailureReason);
        Assert.DoesNotContain("stderr line 31\n", outcome.FailureReason); // only the last 20 lines are kept
        Assert.Single(recorder.Epochs);
    }

    [Fact]
    public async Task A_completed_trial_keeps_its_stderr_tail_and_a_quiet_one_has_none()
    {
        var noisy = _dir.Bash("""
            echo 'warning: falling back to the slow path' >&2
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            """);
        var outcome = await _runner.RunAsync(_dir.Work(noisy), new EpochRecorder().OnEpoch, CancellationToken.None);
        Assert.Equal(TrialState.Completed, outcome.State);
        Assert.Null(outcome.FailureReason);
        Assert.Contains("warning: falling back to the slow path", outcome.StderrTail);

        var quiet = await _runner.RunAsync(_dir.Work(_dir.Bash("""echo '{"epoch": 1, "val_accuracy": 0.5}'""")), new EpochRecorder().OnEpoch, CancellationToken.None);
        Assert.Equal(TrialState.Completed, quiet.State);
        Assert.Null(quiet.StderrTail);
    }

    [Fact]
    public async Task Malformed_lines_are_reported_but_not_fatal()
    {
        var command = _dir.Bash("""
            echo 'loading data...'
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            echo '{"epoch": 2, "val_accuracy": 0.6'
            echo '{"epoch": "two", "val_accuracy": 0.6}'
            echo ''
            echo '{"epoch": 2, "val_accuracy": 0.7}'
            """);
        var recorder = new EpochRecorder();

        var outcome = await _runner.RunAsync(_dir.Work(command), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Completed, outcome.State);
        Assert.Equal([1, 2], recorder.Epochs.Select(e => e.Epoch));
        Assert.Equal(3, _diagnostics.Count);
        Assert.Contains("loading data...", _diagnostics[0]);
        Assert.Contains("trial 4", _diagnostics[0]);
        Assert.Contains("invalid JSON", _diagnostics[1]);
        Assert.Contains("\"epoch\" must be a non-negative integer", _diagnostics[2]);
    }

    [Fact]
    public async Task A_failure_reason_mentions_the_lines_that_were_not_metrics()
    {
        var command = _dir.Bash("""
            echo 'accuracy=0.5'
            exit 1
            """);

        var outcome = await _runner.RunAsync(_dir.Work(command), new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.StartsWith("exit code 1", outcome.FailureReason);
        Assert.Contains("1 stdout line(s) were not metrics lines", outcome.FailureReason);
        Assert.Contains("accuracy=0.5", outcome.FailureReason);
    }

    [Fact]
    public async Task A_clean_exit_without_metrics_fails()
    {
        var command = _dir.Bash("echo 'done, accuracy 0.9' >&2");

        var outcome = await _runner.RunAsync(_dir.Work(command), new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.StartsWith("exited with code 0 but reported no epoch metrics on stdout", outcome.FailureReason);
        Assert.Contains("done, accuracy 0.9", outcome.FailureReason);
    }

    [Fact]
    public async Task A_missing_program_fails_with_a_clear_reason()
    {
        var outcome = await _runner.RunAsync(_dir.Work(["no-such-trainer-program"]), new EpochRecorder().OnEpoch, CancellationToken.None);
        var relative = await _runner.RunAsync(_dir.Work(["./missing.py"], workingDirectory: _dir.Root), new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(new TrialOutcomeReport(TrialState.Failed, "program not found on PATH: no-such-trainer-program", null), outcome);
        Assert.Equal(TrialState.Failed, relative.State);
        Assert.Equal($"program not found: {Path.Combine(_dir.Root, "missing.py")}", relative.FailureReason);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task A_relative_program_runs_from_the_working_directory()
    {
        var script = Path.Combine(_dir.Root, "direct.sh");
        File.WriteAllText(script, "#!/bin/bash\necho '{\"epoch\": 1, \"val_accuracy\": 0.5}'\n");
        var notExecutable = await _runner.RunAsync(_dir.Work(["./direct.sh"], workingDirectory: _dir.Root), new EpochRecorder().OnEpoch, CancellationToken.None);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var recorder = new EpochRecorder();

        var outcome = await _runner.RunAsync(_dir.Work(["./direct.sh"], workingDirectory: _dir.Root), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Failed, notExecutable.State);
        Assert.StartsWith("program is not executable", notExecutable.FailureReason);
        Assert.Equal(TrialState.Completed, outcome.State);
        Assert.Single(recorder.Epochs);
    }
}
