namespace HyperSearch.Training.Tests;

public sealed class ScaleMismatchTests
{
    [Fact]
    public void Training_in_unit_range_and_test_in_byte_range_is_refused_naming_the_test_split()
    {
        var dir = TestFiles.TempDirectory();
        var path = TestFiles.WriteSyntheticNpz(dir, 100, 30, float32: true, trainScale: 1 / 255.0, testScale: 1);
        var e = Assert.Throws<PreprocessingMismatchException>(() => TestFiles.LoadUncached(new DatasetOptions("npz", path)));
        Assert.Equal("test", e.Split);
        Assert.StartsWith("test split", e.Message);
        Assert.Contains("x_test.npy", e.Message);
        Assert.Contains("a factor of", e.Message);
    }

    [Fact]
    public void The_reverse_mismatch_is_refused_too()
    {
        var dir = TestFiles.TempDirectory();
        var path = TestFiles.WriteSyntheticNpz(dir, 100, 30, float32: true, trainScale: 1, testScale: 1 / 255.0);
        var e = Assert.Throws<PreprocessingMismatchException>(() => TestFiles.LoadUncached(new DatasetOptions("npz", path)));
        Assert.Equal("test", e.Split);
    }

    [Fact]
    public void A_shifted_test_split_is_refused_by_its_mean()
    {
        var train = new ChannelStats(0, 1, 0.5, 0.1, 1000);
        var shifted = new ChannelStats(1.2, 2, 1.6, 0.1, 1000);
        var e = Assert.Throws<PreprocessingMismatchException>(() => ScaleCheck.Verify("test", "t.npz", [shifted], [train], "x.npz"));
        Assert.Contains("standard deviations apart", e.Message);
    }

    [Fact]
    public void Same_preprocessing_in_uint8_and_float_passes()
    {
        var dir = TestFiles.TempDirectory();
        Assert.Equal(90, TestFiles.LoadUncached(new DatasetOptions("npz", TestFiles.WriteSyntheticNpz(dir, 100, 30))).TrainCount);
        var scaled = TestFiles.WriteSyntheticNpz(dir, 100, 30, float32: true, trainScale: 1 / 255.0, testScale: 1 / 255.0, name: "scaled.npz");
        var data = TestFiles.LoadUncached(new DatasetOptions("npz", scaled));
        Assert.InRange(data.Normalization.Mean[0], 0, 1);
    }
}
