namespace HyperSearch.Training.Tests;

public sealed class SplitAndNormalizationTests
{
    [Fact]
    public void Stratified_take_keeps_class_proportions_exactly_and_is_seeded()
    {
        // 3 classes of 50, 30 and 20 items.
        var labels = Enumerable.Repeat(0, 50).Concat(Enumerable.Repeat(1, 30)).Concat(Enumerable.Repeat(2, 20)).ToArray();
        var all = Enumerable.Range(0, 100).ToArray();
        var (taken, rest) = Stratified.Take(all, labels, 3, 10, seed: 4);
        Assert.Equal(10, taken.Length);
        Assert.Equal(90, rest.Length);
        Assert.Equal([5, 3, 2], Enumerable.Range(0, 3).Select(c => taken.Count(i => labels[i] == c)));
        Assert.Empty(taken.Intersect(rest));

        Assert.Equal(taken, Stratified.Take(all, labels, 3, 10, seed: 4).Taken);
        Assert.NotEqual(taken, Stratified.Take(all, labels, 3, 10, seed: 5).Taken);
    }

    [Fact]
    public void Validation_is_carved_from_training_and_the_subset_from_what_is_left()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, train: 300, test: 40);
        var data = TestFiles.LoadUncached(new DatasetOptions("mnist", dir, ValidationFraction: 0.2, TrainSubset: 100, SplitSeed: 3));
        Assert.Equal(60, data.ValidationCount);
        Assert.Equal(100, data.TrainCount);
        Assert.Equal(40, data.TestCount);
        // Each class is 10% of the synthetic set, so stratification gives exactly 6 and 10 per class.
        Assert.All(data.Validation.Labels.GroupBy(l => l), g => Assert.Equal(6, g.Count()));
        Assert.All(data.Train.Labels.GroupBy(l => l), g => Assert.Equal(10, g.Count()));

        var byFraction = TestFiles.LoadUncached(new DatasetOptions("mnist", dir, ValidationFraction: 0.2, TrainSubsetFraction: 0.25, SplitSeed: 3));
        Assert.Equal(60, byFraction.TrainCount);
    }

    [Fact]
    public void Loads_are_cached_per_options_and_shared()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 100, 20);
        var options = new DatasetOptions("mnist", dir, SplitSeed: 9);
        var loads = Enumerable.Range(0, 4).AsParallel().Select(_ => DatasetCatalog.Load(options)).ToArray();
        Assert.All(loads, d => Assert.Same(loads[0], d));
        Assert.Same(loads[0], DatasetCatalog.Load(options with { Path = dir + "/." }));
        Assert.NotSame(loads[0], DatasetCatalog.Load(options with { SplitSeed = 10 }));
    }

    [Fact]
    public void Normalization_uses_training_split_statistics_for_every_split()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, train: 200, test: 50);
        var options = new DatasetOptions("mnist", dir, ValidationFraction: 0.25, SplitSeed: 1);
        var data = TestFiles.LoadUncached(options);
        var raw = IdxDataset.Load("mnist", dir);
        var (validation, training) = Stratified.Take(Enumerable.Range(0, 200).ToArray(), raw.Train.Labels, 10, 50, seed: 1);

        var pixels = training.SelectMany(i => Pixels(raw.Train, i)).ToArray();
        double mean = pixels.Average();
        double std = Math.Sqrt(pixels.Select(p => (p - mean) * (p - mean)).Average());
        Assert.Equal(mean, data.Normalization.Mean[0], 6);
        Assert.Equal(std, data.Normalization.Std[0], 6);

        // The training split is standardized exactly; validation and test use the same affine map.
        var trainValues = data.Train.Images;
        Assert.Equal(0, trainValues.Average(v => (double)v), 3);
        Assert.Equal(1, Math.Sqrt(trainValues.Average(v => (double)v * v)), 3);
        int testImage = 7;
        var expected = Pixels(raw.Test, testImage).Select(p => (float)((p - mean) / std)).ToArray();
        Assert.Equal(expected, data.Test.Image(testImage).ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Equal(validation.Length, data.ValidationCount);
    }

    private static float[] Pixels(RawImages images, int index)
    {
        var result = new float[images.PixelsPerImage];
        images.CopyAffine(index, result, [1], [0]);
        return result;
    }
}
