using TorchSharp;

namespace HyperSearch.Training.Tests;

/// <summary>Short runs on a tiny learnable dataset: 540 training images of 8×8, a model of a few thousand weights.</summary>
[Collection(MachineCollection.Name)]
public sealed class TrainerTests
{
    private static readonly Lazy<PreparedDataset> Tiny = new(() =>
        TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 600, 100))));

    private static readonly TrialConfig Small = TrialConfig.Seed with
    {
        ConvLayers = [new ConvLayerConfig(4, 3)],
        DenseUnits = [16],
        Dropout = 0.25,
        BatchSize = 32,
        Epochs = 3,
        LearningRate = 0.01,
    };

    // The synthetic classes are bars at fixed positions, so shifts and flips blur them: only for exactness tests.
    private static readonly TrialConfig Augmented = Small with { AugmentFlip = true, AugmentCropPadding = 1 };

    private static TrialOutcome Run(TrialConfig config, TrialRunOptions options, Func<EpochReport, bool>? onEpoch = null, CancellationToken token = default) =>
        TrialTrainer.Run(config, Tiny.Value, options, onEpoch ?? (_ => true), token);

    private static object[] Metrics(EpochReport r) => [r.Epoch, r.TrainLoss, r.TrainAccuracy, r.ValLoss, r.ValAccuracy];

    [Fact]
    public void Same_seed_gives_identical_metrics_and_a_different_seed_does_not()
    {
        var a = Run(Small, new TrialRunOptions(Seed: 42));
        var b = Run(Small, new TrialRunOptions(Seed: 42));
        var c = Run(Small, new TrialRunOptions(Seed: 43));
        Assert.Equal(TrialOutcomeKind.Completed, a.Kind);
        Assert.Equal(3, a.Epochs.Count);
        Assert.Equal(a.Epochs.Select(Metrics), b.Epochs.Select(Metrics));
        Assert.NotEqual(a.Epochs.Select(Metrics), c.Epochs.Select(Metrics));
        // The task is learnable: well above the 10% of chance after three epochs.
        Assert.True(a.Epochs[^1].ValAccuracy > 0.5, $"val accuracy {a.Epochs[^1].ValAccuracy}");
        Assert.All(a.Epochs, e => Assert.True(e.ImagesPerSecond > 0 && e.EpochSeconds > 0));
        Assert.Equal(ModelBuilder.CountParameters(Small, Tiny.Value.Info), a.ParameterCount);
    }

    [Fact]
    public void A_run_stopped_after_epoch_one_and_resumed_matches_an_uninterrupted_run()
    {
        var uninterruptedDir = TestFiles.TempDirectory();
        var uninterrupted = Run(Augmented, new TrialRunOptions(Seed: 7, CheckpointDirectory: uninterruptedDir));

        var dir = TestFiles.TempDirectory();
        var first = Run(Augmented, new TrialRunOptions(Seed: 7, CheckpointDirectory: dir), _ => false);
        Assert.Equal(TrialOutcomeKind.Stopped, first.Kind);
        Assert.Single(first.Epochs);
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint.bin")));

        var resumed = Run(Augmented, new TrialRunOptions(Seed: 7, CheckpointDirectory: dir, Resume: true));
        Assert.Equal(TrialOutcomeKind.Completed, resumed.Kind);
        Assert.Equal(uninterrupted.Epochs.Select(Metrics), resumed.Epochs.Select(Metrics));
        Assert.Equal(first.Epochs[0], resumed.Epochs[0]);

        // A finished run resumed again has nothing left to do and returns its reports.
        var again = Run(Augmented, new TrialRunOptions(Seed: 7, CheckpointDirectory: dir, Resume: true), _ => throw new InvalidOperationException("no epoch should run"));
        Assert.Equal(resumed.Epochs, again.Epochs);

        // The final models are the same too.
        var test = TrialTrainer.EvaluateTest(Augmented, Tiny.Value, dir);
        Assert.Equal(100, test.Count);
        Assert.Equal(TrialTrainer.EvaluateTest(Augmented, Tiny.Value, uninterruptedDir), test);
    }

    [Fact]
    public void Resuming_with_another_configuration_fails_instead_of_mixing_models()
    {
        var dir = TestFiles.TempDirectory();
        Run(Small with { Epochs = 1 }, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir));
        var outcome = Run(Small with { Epochs = 1, DenseUnits = [8] }, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir, Resume: true));
        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("different configuration", outcome.FailureReason);
    }

    [Fact]
    public void Divergence_is_a_failed_result_naming_epoch_and_batch()
    {
        var outcome = Run(Small with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e12, Dropout = 0 }, new TrialRunOptions(Seed: 3));
        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.Matches(@"^diverged at epoch 1, batch \d+", outcome.FailureReason);
        Assert.Empty(outcome.Epochs);
    }

    [Fact]
    public void Cancellation_mid_epoch_returns_cancelled_within_a_batch_and_keeps_the_checkpoint()
    {
        // Cancel after batch 5 of epoch 2 (17 batches of 32 an epoch).
        using var cts = new CancellationTokenSource();
        var dir = TestFiles.TempDirectory();
        var batches = new List<(int Epoch, int Batch)>();
        var options = new TrialRunOptions(Seed: 5, CheckpointDirectory: dir, KeepFinalModel: false)
        {
            AfterBatch = (epoch, batch) =>
            {
                batches.Add((epoch, batch));
                if ((epoch, batch) == (2, 5)) cts.Cancel();
            },
        };
        var outcome = Run(Small, options, token: cts.Token);
        Assert.Equal(TrialOutcomeKind.Cancelled, outcome.Kind);
        // No batch trained after the cancel: the run stopped at the next batch boundary, not the epoch's end.
        Assert.Equal((2, 5), batches[^1]);
        Assert.Equal((Tiny.Value.TrainCount + 31) / 32 + 5, batches.Count);
        // Epoch 2 was not finished, so it is not reported; epoch 1's checkpoint is kept for a resume.
        Assert.Single(outcome.Epochs);
        Assert.Equal(1, Checkpoint.ReadMetadata(dir)!.Epoch);

        Assert.Equal(TrialOutcomeKind.Cancelled, Run(Small, new TrialRunOptions(Seed: 5), token: new CancellationToken(true)).Kind);
    }

    [Fact]
    public void The_next_epoch_trains_while_the_decision_is_pending_and_a_stop_ends_it_at_the_next_batch()
    {
        var dir = TestFiles.TempDirectory();
        var decision = new TaskCompletionSource<bool>();
        var batches = new List<(int Epoch, int Batch)>();
        var options = new TrialRunOptions(Seed: 5, CheckpointDirectory: dir)
        {
            AfterBatch = (epoch, batch) =>
            {
                batches.Add((epoch, batch));
                if ((epoch, batch) == (2, 5)) decision.SetResult(false);
            },
        };
        var outcome = TrialTrainer.Run(Small, Tiny.Value, options, report => report.Epoch == 1 ? decision.Task : Task.FromResult(true), CancellationToken.None);
        Assert.Equal(TrialOutcomeKind.Stopped, outcome.Kind);
        Assert.Null(outcome.FailureReason);
        // Epoch 2 trained before the decision on epoch 1 came, and no batch after it.
        Assert.Equal((2, 5), batches[^1]);
        // The outcome is the epoch decided on: its report, its checkpoint.
        Assert.Single(outcome.Epochs);
        Assert.Equal(1, Checkpoint.ReadMetadata(dir)!.Epoch);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_epoch_trained_before_its_predecessors_decision_is_kept_only_once_that_decision_says_go_on(bool goOn)
    {
        var dir = TestFiles.TempDirectory();
        var decision = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastBatchOfEpoch2 = new ManualResetEventSlim();
        var batchesPerEpoch = (Tiny.Value.TrainCount + Small.BatchSize - 1) / Small.BatchSize;
        var reported = new List<int>();
        var options = new TrialRunOptions(Seed: 5, CheckpointDirectory: dir)
        {
            AfterBatch = (epoch, batch) =>
            {
                if ((epoch, batch) == (2, batchesPerEpoch)) lastBatchOfEpoch2.Set();
            },
        };
        var decider = Task.Run(() =>
        {
            // The decision comes well after epoch 2 finished training: the trainer must wait for it.
            lastBatchOfEpoch2.Wait();
            Thread.Sleep(300);
            lock (reported) Assert.Equal([1], reported);
            decision.SetResult(goOn);
        });
        var outcome = TrialTrainer.Run(Small, Tiny.Value, options, report =>
        {
            lock (reported) reported.Add(report.Epoch);
            return report.Epoch == 1 ? decision.Task : Task.FromResult(true);
        }, CancellationToken.None);
        decider.GetAwaiter().GetResult();
        Assert.Equal(goOn ? TrialOutcomeKind.Completed : TrialOutcomeKind.Stopped, outcome.Kind);
        Assert.Equal(goOn ? 3 : 1, outcome.Epochs.Count);
        Assert.Equal(goOn ? [1, 2, 3] : [1], reported);
        Assert.Equal(goOn ? 3 : 1, Checkpoint.ReadMetadata(dir)!.Epoch);
    }

    [Fact]
    public void Out_of_memory_is_a_failed_result_with_the_reason()
    {
        // A dense weight of 2^27 inputs × 2^30 units is 2^59 bytes (512 PiB): more than any 64-bit address
        // space (128 TiB, or 64 PiB with 5-level paging), so the allocation is refused whatever the kernel's
        // overcommit mode, before anything is touched. The 32×32 input and 2^17 "same" filters make the
        // 2^27 features while the convolution itself stays small (5 MB).
        var data = TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 20, 10, side: 32)));
        var huge = Small with { ConvLayers = [new ConvLayerConfig(1 << 17, 3, Padding: PaddingMode.Same, Pool: 0)], DenseUnits = [1 << 30] };
        var outcome = TrialTrainer.Run(huge, data, new TrialRunOptions(Seed: 1), _ => true, CancellationToken.None);
        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.StartsWith("out of memory: ", outcome.FailureReason);
        Assert.Empty(outcome.Epochs);
    }

    [Fact]
    public void Unusable_configuration_is_a_failed_result_naming_the_layer()
    {
        var outcome = Run(Small with { ConvLayers = [new ConvLayerConfig(4, 9)] }, new TrialRunOptions(Seed: 1));
        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("conv1: feature map shrinks", outcome.FailureReason);
    }

    [Fact]
    public void Training_settings_out_of_range_are_failed_results_naming_the_knob()
    {
        var outcome = Run(Small with { BatchSize = 0 }, new TrialRunOptions(Seed: 1));
        Assert.Equal(TrialOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("batch_size", outcome.FailureReason);
        Assert.Equal("dropout", Assert.Throws<ConfigException>(() => ModelBuilder.Validate(Small with { Dropout = 1 }, Tiny.Value.Info)).Key);
    }

    [Fact]
    public void Without_a_validation_split_metrics_are_nan_and_checkpoints_still_work()
    {
        var data = TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 100, 20), ValidationFraction: 0));
        var dir = TestFiles.TempDirectory();
        var first = TrialTrainer.Run(Small with { Epochs = 2 }, data, new TrialRunOptions(1, dir), _ => false, CancellationToken.None);
        Assert.True(double.IsNaN(first.Epochs[0].ValAccuracy));
        var resumed = TrialTrainer.Run(Small with { Epochs = 2 }, data, new TrialRunOptions(1, dir, Resume: true), _ => true, CancellationToken.None);
        Assert.Equal(TrialOutcomeKind.Completed, resumed.Kind);
        Assert.Equal(2, resumed.Epochs.Count);
    }

    [Fact]
    public void Without_keep_final_model_the_checkpoint_is_removed_when_done()
    {
        var dir = TestFiles.TempDirectory();
        var outcome = Run(Small with { Epochs = 1 }, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir, KeepFinalModel: false));
        Assert.Equal(TrialOutcomeKind.Completed, outcome.Kind);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.bin")));
    }

    [Fact]
    public void Live_tensor_count_stays_flat_across_epochs()
    {
        var live = new List<long>();
        Run(Small with { Epochs = 4, BatchNorm = true }, new TrialRunOptions(Seed: 2), _ =>
        {
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            return true;
        });
        Assert.Equal(4, live.Count);
        Assert.All(live.Skip(1), n => Assert.Equal(live[0], n));
    }

    [Fact]
    public void Bf16_mixed_precision_trains_the_fp32_master_model()
    {
        var outcome = Run(Small, new TrialRunOptions(Seed: 4) { Precision = "bf16" });
        Assert.Equal(TrialOutcomeKind.Completed, outcome.Kind);
        Assert.True(outcome.Epochs[^1].ValAccuracy > 0.5, $"val accuracy {outcome.Epochs[^1].ValAccuracy}");
        Assert.Equal(TrialOutcomeKind.Failed, Run(Small, new TrialRunOptions(Seed: 4) { Precision = "fp8" }).Kind);
    }

    [Fact]
    public void Bf16_computes_the_seed_model_convolutions_in_bfloat16()
    {
        using var session = new TrainingSession(TrialConfig.Seed, new DatasetInfo(1, 28, 28, 10, 1, 1), seed: 1, torch.CPU, bf16: true);
        Assert.Equal([torch.ScalarType.BFloat16, torch.ScalarType.BFloat16], session.ConvTypes);
    }
}
