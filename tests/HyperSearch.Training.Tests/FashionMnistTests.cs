namespace HyperSearch.Training.Tests;

/// <summary>
/// The real thing: Debian's dataset-fashion-mnist package (apt-get install -y dataset-fashion-mnist),
/// which CI installs. A small version of the seed architecture on a 3000-image subset, two epochs.
/// </summary>
[Collection(MachineCollection.Name)]
public sealed class FashionMnistTests
{
    [Fact]
    public void A_short_run_on_a_fashion_mnist_subset_learns()
    {
        var options = new DatasetOptions("fashion-mnist", TrainSubset: 3000, ValidationFraction: 0.05, SplitSeed: 1);
        var info = DatasetCatalog.Probe(options);
        Assert.Equal(new DatasetInfo(1, 28, 28, 10, 60000, 10000), info);
        var data = TestFiles.LoadUncached(options);
        Assert.Equal((3000, 3000, 10000), (data.TrainCount, data.ValidationCount, data.TestCount));
        // Fashion-MNIST pixel statistics (mean ≈ 72.9, std ≈ 90.0 on the 0..255 scale).
        Assert.InRange(data.Normalization.Mean[0], 71, 75);
        Assert.InRange(data.Normalization.Std[0], 88, 92);

        var config = TrialConfig.Seed with { ConvLayers = [new ConvLayerConfig(16, 3), new ConvLayerConfig(32, 2)], DenseUnits = [128], Epochs = 2, BatchSize = 64 };
        var dir = TestFiles.TempDirectory();
        var outcome = TrialTrainer.Run(config, data, new TrialRunOptions(Seed: 1, CheckpointDirectory: dir), _ => true, CancellationToken.None);
        Assert.Equal(TrialOutcomeKind.Completed, outcome.Kind);
        Assert.True(outcome.Epochs[^1].ValAccuracy > 0.7, $"validation accuracy {outcome.Epochs[^1].ValAccuracy}");
        var test = TrialTrainer.EvaluateTest(config, data, dir);
        Assert.Equal(10000, test.Count);
        Assert.True(test.TestAccuracy > 0.7, $"test accuracy {test.TestAccuracy}");
    }
}
