using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>A trial program's output costs the silo bounded memory: over-long stdout lines are refused as metrics
/// lines (and the program keeps running), and the stderr tail in a failure reason stays small.</summary>
public sealed class OutputLimitTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly List<string> _diagnostics = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Megabyte_lines_on_stdout_and_stderr_are_cut_and_the_run_goes_on()
    {
        // 4 MiB without a newline on each stream, then a normal epoch, then a crash. The stderr tail keeps 2,048
        // characters (CommandExecution.StderrTailChars), so the reason stays within a few KiB.
        var command = _dir.Bash("""
            head -c 4194304 /dev/zero | tr '\0' 'x'
            echo
            echo '{"epoch": 1, "val_accuracy": 0.5}'
            head -c 4194304 /dev/zero | tr '\0' 'y' >&2
            echo >&2
            echo 'the real error' >&2
            exit 3
            """);
        var runner = new CommandTrialRunner(d =>
        {
            lock (_diagnostics)
            {
                _diagnostics.Add(d);
            }
        });
        var recorder = new EpochRecorder();

        var outcome = await runner.RunAsync(_dir.Work(command), recorder.OnEpoch, CancellationToken.None);

        Assert.Equal([1], recorder.Epochs.Select(e => e.Epoch));
        Assert.Contains(_diagnostics, d => d.Contains($"longer than {MetricsLine.MaxChars} characters"));
        Assert.All(_diagnostics, d => Assert.True(d.Length < 1024, $"diagnostic of {d.Length} characters"));
        Assert.Equal(TrialState.Failed, outcome.State);
        Assert.Contains("the real error", outcome.FailureReason);
        Assert.True(outcome.FailureReason!.Length <= 4096, $"failure reason of {outcome.FailureReason.Length} characters");
    }

    [Fact]
    public void A_metrics_line_over_the_limit_is_invalid_and_one_at_the_limit_parses()
    {
        var padding = new string(' ', MetricsLine.MaxChars - 40);
        var fits = "{\"epoch\": 1, \"val_accuracy\": 0.5}" + padding;
        Assert.True(fits.Length <= MetricsLine.MaxChars);
        Assert.Equal(MetricsLineKind.Epoch, MetricsLine.Parse(fits).Kind);

        var tooLong = fits + new string(' ', 64);
        var parsed = MetricsLine.Parse(tooLong);
        Assert.Equal(MetricsLineKind.Invalid, parsed.Kind);
        Assert.Contains("longer than", parsed.Problem);
    }
}
