namespace HyperSearch.Training.Tests;

/// <summary>Schedules and epoch fractions in the trainer (resumable mid-schedule), and augmentation confined to training.</summary>
[Collection(MachineCollection.Name)]
public sealed class ScheduleAndAugmentationTests
{
    // 600 images of 8×8: 540 train, 60 validation.
    private static readonly Lazy<PreparedDataset> Tiny = new(() =>
        TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 600, 100))));

    private static readonly TrialConfig Small = TrialConfig.Seed with
    {
        ConvLayers = [new ConvLayerConfig(4, 3)],
        DenseUnits = [16],
        Dropout = 0.25,
        BatchSize = 32,
        Epochs = 4,
        LearningRate = 0.01,
    };

    private static TrialOutcome Run(TrialConfig config, TrialRunOptions options, Func<EpochReport, bool>? onEpoch = null) =>
        TrialTrainer.Run(config, Tiny.Value, options, onEpoch ?? (_ => true), CancellationToken.None);

    private static object[] Metrics(EpochReport r) => [r.Epoch, r.TrainLoss, r.TrainAccuracy, r.ValLoss, r.ValAccuracy];

    [Fact]
    public void An_epoch_fraction_trains_each_epoch_on_one_chunk_of_the_split()
    {
        var batches = new Dictionary<int, int>();
        var options = new TrialRunOptions(Seed: 3) { AfterBatch = (epoch, batch) => batches[epoch] = batch };
        Assert.Equal(TrialOutcomeKind.Completed, Run(Small with { EpochFraction = 0.25 }, options).Kind);
        // 540 / 4 = 135 images a report → 5 batches of 32 (the last of 7); the whole split would be 17.
        Assert.Equal(new Dictionary<int, int> { [1] = 5, [2] = 5, [3] = 5, [4] = 5 }, batches);
        batches.Clear();
        Run(Small with { Epochs = 1 }, options);
        Assert.Equal(17, batches[1]);
    }

    [Fact]
    public void The_chunks_of_a_pass_cover_every_training_image_once_and_passes_differ()
    {
        var chunks = new EpochChunks(1003, 4, seed: 11, new HyperSearch.Randomness.SeededRandom(1));
        Assert.Equal(251, chunks.LargestChunk);
        var passes = Enumerable.Range(0, 2).Select(p => Enumerable.Range(4 * p + 1, 4).SelectMany(e => chunks.For(e).ToArray()).ToArray()).ToArray();
        Assert.All(passes, pass => Assert.Equal(Enumerable.Range(0, 1003), pass.Order()));
        Assert.NotEqual(passes[0], passes[1]);
        // A fresh instance (a resumed run) computes the same chunk for the same epoch.
        Assert.Equal(passes[1][250..501], new EpochChunks(1003, 4, seed: 11, new HyperSearch.Randomness.SeededRandom(2)).For(6).ToArray());
    }

    [Theory]
    [InlineData(LrSchedule.OneCycle, 0.5)]
    [InlineData(LrSchedule.Cosine, 1.0)]
    public void A_resumed_run_continues_the_schedule_and_the_chunks_where_they_were(LrSchedule schedule, double fraction)
    {
        var config = Small with { LrSchedule = schedule, EpochFraction = fraction, AugmentFlip = true };
        var uninterrupted = Run(config, new TrialRunOptions(Seed: 5));
        var dir = TestFiles.TempDirectory();
        // Stopped after epoch 3: mid-pass for fraction 0.5 (pass 2, first chunk done), mid-schedule in both cases.
        Run(config, new TrialRunOptions(Seed: 5, CheckpointDirectory: dir), r => r.Epoch < 3);
        var resumed = Run(config, new TrialRunOptions(Seed: 5, CheckpointDirectory: dir, Resume: true));
        Assert.Equal(uninterrupted.Epochs.Select(Metrics), resumed.Epochs.Select(Metrics));

        // The schedule matters: the same run at a constant rate ends elsewhere.
        var constant = Run(config with { LrSchedule = LrSchedule.Constant }, new TrialRunOptions(Seed: 5));
        Assert.NotEqual(Metrics(uninterrupted.Epochs[^1]), Metrics(constant.Epochs[^1]));
    }

    [Fact]
    public void Augmentation_changes_training_but_never_the_validation_or_test_images()
    {
        // Heavy augmentation: flips and shifts of up to 3 of 8 pixels.
        var augmented = Small with { AugmentFlip = true, AugmentCropPadding = 3, Epochs = 2 };
        var dir = TestFiles.TempDirectory();
        var outcome = Run(augmented, new TrialRunOptions(Seed: 9, CheckpointDirectory: dir));
        var plain = Run(augmented with { AugmentFlip = false, AugmentCropPadding = 0 }, new TrialRunOptions(Seed: 9));
        Assert.NotEqual(plain.Epochs[0].TrainLoss, outcome.Epochs[0].TrainLoss);

        // The reported validation metrics are those of the saved model on the untouched validation images.
        using var session = new TrainingSession(augmented, Tiny.Value.Info, seed: 9, TorchSharp.torch.CPU, bf16: false);
        Checkpoint.Restore(dir, session, includeOptimizer: false);
        var (loss, accuracy) = TrialTrainer.Evaluate(session, Tiny.Value, Tiny.Value.Validation, CancellationToken.None);
        Assert.Equal((outcome.Epochs[^1].ValLoss, outcome.Epochs[^1].ValAccuracy), (loss, accuracy));
        // …and the test split is scored the same way, reproducibly.
        var (testLoss, testAccuracy) = TrialTrainer.Evaluate(session, Tiny.Value, Tiny.Value.Test, CancellationToken.None);
        var test = TrialTrainer.EvaluateTest(augmented, Tiny.Value, dir);
        Assert.Equal((testLoss, testAccuracy), (test.TestLoss, test.TestAccuracy));
    }
}
