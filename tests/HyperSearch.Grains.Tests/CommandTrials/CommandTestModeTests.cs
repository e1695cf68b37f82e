using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>The winner's test evaluation: the same command with HYPERSEARCH_MODE=test.</summary>
[Collection(MachineCollection.Name)]
public sealed class CommandTestModeTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly CommandTrialRunner _runner = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Test_mode_reads_the_last_test_accuracy_line()
    {
        var command = _dir.Bash("""
            if [ "$HYPERSEARCH_MODE" != test ]; then exit 9; fi
            echo 'evaluating'
            echo '{"test_accuracy": 0.5}'
            echo '{"test_accuracy": 0.9125, "test_loss": 0.25, "count": 10000}'
            """);

        var result = await _runner.EvaluateTestAsync(_dir.Work(command, kind: WorkKind.EvaluateTest), CancellationToken.None);

        Assert.Equal(new TestResult(0.9125, 0.25, 10000), result);
    }

    [Fact]
    public async Task Test_loss_and_count_are_optional()
    {
        var command = _dir.Bash("""echo '{"test_accuracy": 0.8}'""");

        var result = await _runner.EvaluateTestAsync(_dir.Work(command, kind: WorkKind.EvaluateTest), CancellationToken.None);

        Assert.Equal(0.8, result.TestAccuracy);
        Assert.True(double.IsNaN(result.TestLoss));
        Assert.Equal(0, result.Count);
    }

    [Fact]
    public async Task A_program_that_prints_no_test_result_is_an_error()
    {
        var command = _dir.Bash("""echo '{"epoch": 1, "val_accuracy": 0.5}'""");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => _runner.EvaluateTestAsync(_dir.Work(command, kind: WorkKind.EvaluateTest), CancellationToken.None));

        Assert.Contains("trial 4", error.Message);
        Assert.Contains("printed no JSON line with a numeric \"test_accuracy\" on stdout", error.Message);
    }

    [Fact]
    public async Task A_crash_in_test_mode_is_an_error_with_stderr()
    {
        var command = _dir.Bash("""
            echo '{"test_accuracy": 0.8}'
            echo 'checkpoint missing' >&2
            exit 2
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => _runner.EvaluateTestAsync(_dir.Work(command, kind: WorkKind.EvaluateTest), CancellationToken.None));

        Assert.Contains("exit code 2", error.Message);
        Assert.Contains("checkpoint missing", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_test_run_stops_it_and_throws()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _runner.EvaluateTestAsync(_dir.Work(_dir.Bash("sleep 300"), kind: WorkKind.EvaluateTest), cancellation.Token));
    }
}
