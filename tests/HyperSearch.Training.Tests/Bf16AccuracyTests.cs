namespace HyperSearch.Training.Tests;

/// <summary>
/// bf16 mixed precision against fp32 on real data: the same small CNN, seed and stratified Fashion-MNIST
/// subset, trained both ways and scored on the full 10k test split.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class Bf16AccuracyTests
{
    [Fact]
    public void Bf16_test_accuracy_is_within_half_a_point_of_fp32_on_a_fashion_mnist_subset()
    {
        var data = TestFiles.LoadUncached(new DatasetOptions("fashion-mnist", TrainSubset: 8000, ValidationFraction: 0.05, SplitSeed: 2));
        // Output channels multiples of 16, so every convolution really computes in bfloat16 (see Bf16Check).
        var config = TrialConfig.Seed with
        {
            ConvLayers = [new(16, 3, 1, PaddingMode.Same, 2), new(32, 3, 1, PaddingMode.Same, 2)],
            DenseUnits = [64],
            BatchNorm = true,
            Dropout = 0.2,
            BatchSize = 64,
            Epochs = 3,
            LearningRate = 0.003,
            LrSchedule = LrSchedule.Cosine,
        };
        double fp32 = TrainAndTest(config, "fp32"), bf16 = TrainAndTest(config with { Bf16 = true }, "fp32");
        Assert.True(fp32 > 0.8, $"fp32 test accuracy {fp32}");
        Assert.True(Math.Abs(bf16 - fp32) <= 0.005, $"bf16 {bf16:P2} vs fp32 {fp32:P2}");

        double TrainAndTest(TrialConfig c, string precision)
        {
            var dir = TestFiles.TempDirectory();
            var outcome = TrialTrainer.Run(c, data, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir) { Precision = precision }, _ => true, CancellationToken.None);
            Assert.Equal(TrialOutcomeKind.Completed, outcome.Kind);
            return TrialTrainer.EvaluateTest(c, data, dir).TestAccuracy;
        }
    }

    [Fact]
    public void The_precision_knob_trains_in_bf16_and_checkpoints_say_so()
    {
        var data = TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 200, 20)));
        var config = Hyperparameters.Parse(new Dictionary<string, object> { ["conv_layers"] = 1L, ["conv1_filters"] = 16L, ["dense_units"] = 16L, ["epochs"] = 1L, ["precision"] = "bf16" });
        var dir = TestFiles.TempDirectory();
        Assert.Equal(TrialOutcomeKind.Completed, TrialTrainer.Run(config, data, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir), _ => true, CancellationToken.None).Kind);
        Assert.Equal("bf16", Checkpoint.ReadMetadata(dir)!.Precision);
    }
}
