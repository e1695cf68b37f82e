namespace HyperSearch.Training.Tests;

/// <summary>Labels a classifier cannot learn or be scored on are refused; one-hot and integer labels both load; a
/// training subset larger than the data is refused rather than silently shrunk.</summary>
public sealed class LabelCheckTests
{
    private static string Npz(long[] trainLabels, long[] testLabels, int side = 6)
    {
        var rng = new Random(3);
        byte[] Images(int n) => TestFiles.Npy("|u1", [n, side, side], [.. Enumerable.Range(0, n * side * side).Select(_ => (byte)rng.Next(256))]);
        var path = Path.Combine(TestFiles.TempDirectory(), "labels.npz");
        TestFiles.WriteNpz(path, new Dictionary<string, byte[]>
        {
            ["x_train"] = Images(trainLabels.Length),
            ["y_train"] = TestFiles.Npy("<i8", [trainLabels.Length], TestFiles.Longs(trainLabels)),
            ["x_test"] = Images(testLabels.Length),
            ["y_test"] = TestFiles.Npy("<i8", [testLabels.Length], TestFiles.Longs(testLabels)),
        });
        return path;
    }

    private static long[] Cycle(int n, int classes) => [.. Enumerable.Range(0, n).Select(i => (long)(i % classes))];

    [Fact]
    public void A_test_label_outside_the_training_classes_is_refused_not_a_new_class()
    {
        var test = Cycle(40, 10);
        test[7] = 11;
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DatasetOptions("npz", Npz(Cycle(200, 10), test))));
        Assert.Contains("label 11 at index 7", e.Message);
        Assert.Contains("y_test", e.Message);
    }

    [Fact]
    public void A_test_class_absent_from_training_is_refused()
    {
        // Training labels 0..9 without 4; the test split has class 4.
        var train = Cycle(200, 10).Select(l => l == 4 ? 5 : l).ToArray();
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DatasetOptions("npz", Npz(train, Cycle(40, 10)))));
        Assert.Contains("label 4", e.Message);
        Assert.Contains("never shows", e.Message);
    }

    [Fact]
    public void A_gap_in_the_training_classes_is_refused()
    {
        var train = Cycle(200, 10).Select(l => l == 4 ? 5 : l).ToArray();
        var test = Cycle(40, 10).Select(l => l == 4 ? 5 : l).ToArray();
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DatasetOptions("npz", Npz(train, test))));
        Assert.Contains("class 4 of 0..9 has no training image", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void One_hot_and_integer_labels_give_the_same_classes(bool oneHot)
    {
        var path = TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 200, 50, oneHot: oneHot, name: $"l{oneHot}.npz");
        var data = DatasetCatalog.Load(new DatasetOptions("npz", path));
        Assert.Equal(10, data.Info.Classes);
        Assert.Contains("10 classes", data.ToString());
    }

    [Fact]
    public void A_train_subset_larger_than_the_training_split_is_refused()
    {
        var path = TestFiles.WriteSyntheticNpz(TestFiles.TempDirectory(), 200, 50, name: "subset.npz");
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Load(new DatasetOptions("npz", path, ValidationFraction: 0.1, TrainSubset: 500)));
        Assert.Contains("train_subset 500 is larger than the 180 training images", e.Message);
        Assert.Equal(180, DatasetCatalog.Load(new DatasetOptions("npz", path, ValidationFraction: 0.1, TrainSubset: 180)).TrainCount);
    }
}
