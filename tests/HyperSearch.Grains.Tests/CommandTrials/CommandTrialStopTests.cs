using System.Diagnostics;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>Stopping a command trial: SIGTERM first, SIGKILL after the grace period, for its children too.</summary>
public sealed class CommandTrialStopTests : IDisposable
{
    // Generous: the CI box is small and shared, and these bound a stop, they do not benchmark it.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(4);

    private readonly ScratchDirectory _dir = new();
    private readonly CommandTrialRunner _runner = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Prints an epoch line every 50 ms, forever, after recording its PID.</summary>
    private const string EndlessEpochs = """
        echo $$ > "$HYPERSEARCH_CHECKPOINT_DIR/pid"
        i=0
        while true; do
          i=$((i+1))
          echo "{\"epoch\": $i, \"val_accuracy\": 0.5}"
          sleep 0.05
        done
        """;

    [Fact]
    public async Task A_stop_sends_sigterm_which_a_program_may_handle()
    {
        var command = _dir.Bash("""
            trap 'echo terminated > "$HYPERSEARCH_CHECKPOINT_DIR/marker"; exit 0' TERM
            """ + "\n" + EndlessEpochs);
        var recorder = new EpochRecorder(stopAfter: 2);
        var clock = Stopwatch.StartNew();

        var outcome = await _runner.RunAsync(_dir.Work(command, grace: TimeSpan.FromSeconds(20)), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(new TrialOutcomeReport(TrialState.Pruned, null, null), outcome);
        Assert.Equal(2, recorder.Epochs.Count); // nothing is reported after the stop
        Assert.Equal("terminated", _dir.ReadCheckpointFile("marker"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: the grace period ran out, so SIGTERM was not honoured");
    }

    [Fact]
    public async Task A_program_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        var command = _dir.Bash("trap '' TERM\n" + EndlessEpochs);
        var grace = TimeSpan.FromSeconds(1);
        var recorder = new EpochRecorder(stopAfter: 1);
        var clock = Stopwatch.StartNew();

        var outcome = await _runner.RunAsync(_dir.Work(command, grace: grace), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Pruned, outcome.State);
        Assert.InRange(clock.Elapsed, grace, grace + Margin);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_stop_reaches_the_programs_children()
    {
        // Bash dies of SIGTERM at once; the sleep it started only dies if the signal goes to the whole group.
        var command = _dir.Bash("""
            sleep 300 &
            echo $! > "$HYPERSEARCH_CHECKPOINT_DIR/child"
            """ + "\n" + EndlessEpochs);

        var outcome = await _runner.RunAsync(_dir.Work(command, grace: TimeSpan.FromSeconds(1)), new EpochRecorder(stopAfter: 1).OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Pruned, outcome.State);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("child"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_background_child_left_after_a_clean_exit_is_killed_and_does_not_hold_the_trial()
    {
        var command = _dir.Bash("""
            sleep 300 &
            echo $! > "$HYPERSEARCH_CHECKPOINT_DIR/child"
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            """);
        var clock = Stopwatch.StartNew();

        var outcome = await _runner.RunAsync(_dir.Work(command), new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Completed, outcome.State);
        Assert.True(clock.Elapsed < Margin, $"took {clock.Elapsed}");
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("child"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_hung_program_is_killed_after_the_timeout_and_fails()
    {
        var command = _dir.Bash("""
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            sleep 300
            """);
        var clock = Stopwatch.StartNew();

        var outcome = await _runner.RunAsync(
            _dir.Work(command, timeout: TimeSpan.FromSeconds(0.5), grace: TimeSpan.FromSeconds(0.5)), new EpochRecorder().OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.StartsWith("timed out after 0.5s", outcome.FailureReason);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1) + Margin);
    }

    [Fact]
    public async Task Cancellation_stops_the_program_and_ends_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var recorder = new EpochRecorder(onEach: _ => cancellation.Cancel());

        var outcome = await _runner.RunAsync(_dir.Work(_dir.Bash(EndlessEpochs)), recorder.OnEpoch, cancellation.Token);

        Assert.Equal(new TrialOutcomeReport(TrialState.Cancelled, null, null), outcome);
        Assert.Single(recorder.Epochs);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Cancellation_before_the_start_still_ends_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var recorder = new EpochRecorder();

        var outcome = await _runner.RunAsync(_dir.Work(_dir.Bash(EndlessEpochs)), recorder.OnEpoch, cancellation.Token);

        Assert.Equal(TrialState.Cancelled, outcome.State);
        Assert.Empty(recorder.Epochs);
    }

    [Fact]
    public async Task A_failing_epoch_report_stops_the_program_and_propagates()
    {
        Task<bool> Throw(EpochMetrics _) => throw new TimeoutException("coordinator unreachable");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => _runner.RunAsync(_dir.Work(_dir.Bash(EndlessEpochs)), Throw, CancellationToken.None));

        Assert.Equal("coordinator unreachable", error.Message);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(2)));
    }
}
