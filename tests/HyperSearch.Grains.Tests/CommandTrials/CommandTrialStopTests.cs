using System.Diagnostics;
using System.Globalization;
using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>Stopping a command trial: SIGTERM first, SIGKILL after the grace period, for its children too.</summary>
[Collection(MachineCollection.Name)]
public sealed class CommandTrialStopTests : IDisposable
{
    // Far below the 300 s the hung programs below would take, and far above any stop on a loaded 2-core box:
    // a run past it is a stop that waited for the wrong thing, not a slow machine.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

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

        // A grace period of an hour: a runner that waits it out instead of for the program's exit never ends in time.
        var outcome = await Within(_runner.RunAsync(_dir.Work(command, grace: TimeSpan.FromHours(1)), recorder.OnEpoch, CancellationToken.None),
            "the stop waited for the grace period although the program exited on SIGTERM");

        // The stderr tail holds whatever the shell wrote (bash reports a child that SIGTERM ended as "Terminated").
        Assert.Equal(new TrialOutcomeReport(TrialState.Pruned, null, null), outcome with { StderrTail = null });
        Assert.Equal(2, recorder.Epochs.Count); // nothing is reported after the stop
        Assert.Equal("terminated", _dir.ReadCheckpointFile("marker"));
    }

    [Fact]
    public async Task A_program_that_ignores_sigterm_is_killed_after_the_grace_period()
    {
        // It notes when SIGTERM came (bash runs the trap within one 50 ms loop) and carries on.
        var command = _dir.Bash("""
            trap 'date +%s.%N > "$HYPERSEARCH_CHECKPOINT_DIR/term-at"' TERM
            """ + "\n" + EndlessEpochs);
        var grace = TimeSpan.FromSeconds(2);
        var recorder = new EpochRecorder(stopAfter: 1);

        var outcome = await Within(_runner.RunAsync(_dir.Work(command, grace: grace), recorder.OnEpoch, CancellationToken.None),
            "a program that ignores SIGTERM was not killed after its grace period");
        var ended = DateTimeOffset.UtcNow;

        Assert.Equal(TrialState.Pruned, outcome.State);
        // SIGTERM came first, and the program was left running through the grace period before SIGKILL: only a
        // lower bound, which a loaded machine cannot break (half the grace: the trap runs after the loop's sleep).
        Assert.True(File.Exists(Path.Combine(_dir.Checkpoints, "term-at")), "no SIGTERM before the kill");
        var termAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(_dir.ReadCheckpointFile("term-at"), CultureInfo.InvariantCulture) * 1000));
        Assert.True(ended - termAt >= grace / 2, $"killed {ended - termAt} after SIGTERM, within the {grace} grace period");
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(30)));
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
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("child"), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_background_child_left_after_a_clean_exit_is_killed_and_does_not_hold_the_trial()
    {
        var command = _dir.Bash("""
            sleep 300 &
            echo $! > "$HYPERSEARCH_CHECKPOINT_DIR/child"
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            """);
        var outcome = await Within(_runner.RunAsync(_dir.Work(command), new EpochRecorder().OnEpoch, CancellationToken.None),
            "the trial waited for the background child (sleep 300) that holds its output open");

        Assert.Equal(TrialState.Completed, outcome.State);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("child"), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_hung_program_is_killed_after_the_timeout_and_fails()
    {
        var command = _dir.Bash("""
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            sleep 300
            """);
        var clock = Stopwatch.StartNew();

        var outcome = await Within(_runner.RunAsync(
            _dir.Work(command, timeout: TimeSpan.FromSeconds(0.5), grace: TimeSpan.FromSeconds(0.5)), new EpochRecorder().OnEpoch, CancellationToken.None),
            "the hung program (sleep 300) was not killed after its timeout");

        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.StartsWith("timed out after 0.5s", outcome.FailureReason);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), $"failed after {clock.Elapsed}, before its 0.5 s timeout");
    }

    [Fact]
    public async Task Cancellation_stops_the_program_and_ends_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var recorder = new EpochRecorder(onEach: _ => cancellation.Cancel());

        var outcome = await _runner.RunAsync(_dir.Work(_dir.Bash(EndlessEpochs)), recorder.OnEpoch, cancellation.Token);

        Assert.Equal(new TrialOutcomeReport(TrialState.Cancelled, null, null), outcome with { StderrTail = null });
        Assert.Single(recorder.Epochs);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(30)));
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
        Task<EpochDecision> Throw(EpochMetrics _) => throw new TimeoutException("coordinator unreachable");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => _runner.RunAsync(_dir.Work(_dir.Bash(EndlessEpochs)), Throw, CancellationToken.None));

        Assert.Equal("coordinator unreachable", error.Message);
        Assert.True(await ScratchDirectory.DiesWithin(_dir.ReadPid("pid"), TimeSpan.FromSeconds(30)));
    }

    private static async Task<T> Within<T>(Task<T> task, string failure)
    {
        try
        {
            return await task.WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{failure} (still running after {Deadline.TotalSeconds:0} s)");
        }
    }
}
