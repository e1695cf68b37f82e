using System.Text.Json;
using HyperSearch.Contracts.Trials;
using HyperSearch.Runners;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>examples/command-trial/train.py speaks the protocol the docs describe.</summary>
[Collection(MachineCollection.Name)]
public sealed class ExampleTrainScriptTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();
    private readonly CommandTrialRunner _runner = new();

    public void Dispose() => _dir.Dispose();

    private static string Script
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "examples", "command-trial", "train.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("examples/command-trial/train.py not found above " + AppContext.BaseDirectory);
        }
    }

    private WorkItem Work(double learningRate, long epochs = 4, bool resume = false, WorkKind kind = WorkKind.Train, double secondsPerEpoch = 0) => _dir.Work(
        [ScratchDirectory.Python, Script],
        parameters: new Dictionary<string, object>
        {
            ["learning_rate"] = learningRate,
            ["dropout"] = 0.3,
            ["epochs"] = epochs,
            ["seconds_per_epoch"] = secondsPerEpoch,
        },
        resume: resume,
        kind: kind);

    [Fact]
    public async Task It_reports_every_epoch_and_a_better_learning_rate_scores_higher()
    {
        var good = new EpochRecorder();
        var poor = new EpochRecorder();

        var goodOutcome = await _runner.RunAsync(Work(1e-3), good.OnEpoch, CancellationToken.None);
        var poorOutcome = await _runner.RunAsync(Work(1e-1), poor.OnEpoch, CancellationToken.None);

        Assert.Equal(TrialState.Completed, goodOutcome.State);
        Assert.Equal(TrialState.Completed, poorOutcome.State);
        Assert.Equal([1, 2, 3, 4], good.Epochs.Select(e => e.Epoch));
        Assert.All(good.Epochs, e => Assert.InRange(e.Get(EpochMetrics.ValAccuracy)!.Value, 0.0, 1.0));
        Assert.True(good.Epochs[^1].Get(EpochMetrics.ValAccuracy) > poor.Epochs[^1].Get(EpochMetrics.ValAccuracy));
    }

    [Fact]
    public async Task It_stops_when_asked_resumes_from_its_checkpoint_and_evaluates_in_test_mode()
    {
        // Slow epochs, so the stop lands long before the last one however loaded the machine is.
        var first = new EpochRecorder(stopAfter: 2);
        var pruned = await _runner.RunAsync(Work(1e-3, epochs: 12, secondsPerEpoch: 0.2), first.OnEpoch, CancellationToken.None);
        using var checkpoint = JsonDocument.Parse(_dir.ReadCheckpointFile("checkpoint.json"));
        var checkpointed = checkpoint.RootElement.GetProperty("epoch").GetInt32();
        var second = new EpochRecorder();
        var resumed = await _runner.RunAsync(Work(1e-3, epochs: 12, resume: true), second.OnEpoch, CancellationToken.None);
        var test = await _runner.EvaluateTestAsync(Work(1e-3, epochs: 12, kind: WorkKind.EvaluateTest), CancellationToken.None);

        Assert.Equal(TrialState.Pruned, pruned.State);
        Assert.Equal(2, first.Epochs.Count);
        Assert.InRange(checkpointed, 2, 11);
        Assert.Equal(TrialState.Completed, resumed.State);
        Assert.Equal(Enumerable.Range(checkpointed + 1, 12 - checkpointed), second.Epochs.Select(e => e.Epoch));
        Assert.InRange(test.TestAccuracy, 0.5, 1.0);
        Assert.Equal(10000, test.Count);
    }
}
