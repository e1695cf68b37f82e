namespace HyperSearch.Training.Tests;

/// <summary>The scale check on real Fashion-MNIST: silent on random stratified splits of the same data, and it
/// catches the mild preprocessing mismatches (a factor of 2, a shift, z-scored against [0,1]) as well as the gross one.</summary>
public sealed class DistributionShiftTests
{
    private const string FashionMnist = DatasetCatalog.DefaultFashionMnistPath;

    private static readonly Lazy<RawDataset> Real = new(() =>
    {
        Assert.True(File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz")), $"Fashion-MNIST is missing from {FashionMnist}");
        return IdxDataset.Load(DatasetCatalog.FashionMnist, FashionMnist);
    });

    [Fact]
    public void Hundred_random_stratified_splits_of_real_data_are_never_refused()
    {
        var raw = Real.Value;
        var train = raw.Train;
        var all = Enumerable.Range(0, train.Count).ToArray();
        var rng = new Random(20261201);
        var refusals = new List<string>();
        for (int split = 0; split < 100; split++)
        {
            // Validation fractions from 1% (600 images) to 30%.
            int count = (int)Math.Round(train.Count * (0.01 + rng.NextDouble() * 0.29));
            var (validation, training) = Stratified.Take(all, train.Labels, raw.Classes, count, seed: split);
            var trainStats = train.Statistics(training);
            if (ScaleCheck.Find("validation", "v", train.Statistics(validation), trainStats, "t") is { } v) refusals.Add($"split {split}: {v}");
            if (ScaleCheck.Find("test", "t10k", raw.Test.Statistics(), trainStats, "t") is { } t) refusals.Add($"split {split}: {t}");
        }

        Assert.True(refusals.Count == 0, $"{refusals.Count} false refusal(s):\n{string.Join("\n", refusals.Take(5))}");
    }

    [Theory]
    [InlineData("train [0,1], test [-1,1]", 1 / 255.0, 0, 2 / 255.0, -1)]
    [InlineData("train [-1,1], test [0,1]", 2 / 255.0, -1, 1 / 255.0, 0)]
    [InlineData("train [0,1], test twice as large", 1 / 255.0, 0, 2 / 255.0, 0)]
    [InlineData("train [0,1], test shifted by 0.2", 1 / 255.0, 0, 1 / 255.0, 0.2)]
    [InlineData("train [0,1], test [0,255]", 1 / 255.0, 0, 1, 0)]
    public void Mild_and_gross_mismatches_on_real_data_are_found(string what, double trainScale, double trainShift, double testScale, double testShift)
    {
        var raw = Real.Value;
        var train = Affine(raw.Train, trainScale, trainShift).Statistics();
        var test = Affine(raw.Test, testScale, testShift).Statistics();
        Assert.True(ScaleCheck.Find("test", "x_test", test, train, "x_train") is not null, $"{what}: not refused");
    }

    [Fact]
    public void Z_scored_test_against_unit_range_train_is_found()
    {
        var raw = Real.Value;
        var unit = Affine(raw.Train, 1 / 255.0, 0).Statistics();
        var bytes = raw.Test.Statistics();
        var z = Affine(raw.Test, 1 / bytes[0].Std, -bytes[0].Mean / bytes[0].Std).Statistics();
        var message = ScaleCheck.Find("test", "x_test", z, unit, "x_train");
        Assert.NotNull(message);
        Assert.Contains("disagrees in scale", message);
        Assert.Contains("allow_distribution_shift", message);
    }

    [Fact]
    public void Allow_distribution_shift_trains_with_a_warning_instead_of_refusing()
    {
        var dir = TestFiles.TempDirectory();
        var path = TestFiles.WriteSyntheticNpz(dir, 200, 60, float32: true, trainScale: 1 / 255.0, testScale: 2 / 255.0);
        Assert.Throws<PreprocessingMismatchException>(() => DatasetCatalog.Load(new DatasetOptions("npz", path)));
        var data = DatasetCatalog.Load(new DatasetOptions("npz", path, AllowDistributionShift: true));
        var warning = Assert.Single(data.Warnings);
        Assert.Contains("test split", warning);
        Assert.Contains("allow_distribution_shift", warning);
    }

    private static RawImages Affine(RawImages source, double scale, double shift)
    {
        var pixels = new float[(long)source.Count * source.PixelsPerImage];
        var a = new[] { (float)scale };
        var b = new[] { (float)shift };
        for (int i = 0; i < source.Count; i++)
            source.CopyAffine(i, pixels.AsSpan(i * source.PixelsPerImage, source.PixelsPerImage), a, b);
        return new RawImages(source.Source, source.Count, source.Channels, source.Height, source.Width, null, pixels, source.Labels, source.LabelSource);
    }
}
