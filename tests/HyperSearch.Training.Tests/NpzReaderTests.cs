namespace HyperSearch.Training.Tests;

public sealed class NpzReaderTests
{
    [Fact]
    public void Reads_uint8_nhwc_images_with_index_labels()
    {
        var dir = TestFiles.TempDirectory();
        var path = TestFiles.WriteSyntheticNpz(dir, train: 40, test: 20, channels: 3, side: 6);
        Assert.Equal(new DatasetInfo(3, 6, 6, 10, 40, 20), DatasetCatalog.Probe(new DatasetOptions("npz", path)));

        var raw = NpzReader.Load(path);
        // NHWC on disk becomes CHW in memory: element (n, y, x, c) lands at c*H*W + y*W + x.
        var (pixels, _) = TestFiles.Synthetic(40, 3, 6, 10, 5, channelsLast: true);
        var image = new float[3 * 36];
        raw.Train.CopyAffine(7, image, [1, 1, 1], [0, 0, 0]);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 6; y++)
                for (int x = 0; x < 6; x++)
                    Assert.Equal(pixels[((7 * 6 + y) * 6 + x) * 3 + c], image[c * 36 + y * 6 + x]);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 10), raw.Test.Labels);
    }

    [Fact]
    public void Reads_float32_nchw_images_and_one_hot_labels_stored_uncompressed()
    {
        var dir = TestFiles.TempDirectory();
        var path = Path.Combine(dir, "nchw.npz");
        float[] train = [.. Enumerable.Range(0, 4 * 3 * 2 * 2).Select(i => i / 48f)];
        TestFiles.WriteNpz(path, new Dictionary<string, byte[]>
        {
            ["x_train"] = TestFiles.Npy("<f4", [4, 3, 2, 2], TestFiles.Floats(train)),
            ["y_train"] = TestFiles.Npy("<f4", [4, 3], TestFiles.Floats([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0])),
            ["x_test"] = TestFiles.Npy("<f4", [2, 3, 2, 2], TestFiles.Floats(train[..24])),
            ["y_test"] = TestFiles.Npy("<f4", [2, 3], TestFiles.Floats([0, 0, 1, 1, 0, 0])),
        }, compress: false);
        var raw = NpzReader.Load(path);
        Assert.Equal(3, raw.Classes);
        Assert.Equal([0, 1, 2, 1], raw.Train.Labels);
        Assert.Equal([2, 0], raw.Test.Labels);
        var image = new float[12];
        raw.Train.CopyAffine(1, image, [1, 1, 1], [0, 0, 0]);
        Assert.Equal(train[12..24], image);
    }

    [Fact]
    public void Missing_array_names_the_file_and_the_expected_keys()
    {
        var path = Path.Combine(TestFiles.TempDirectory(), "partial.npz");
        TestFiles.WriteNpz(path, new Dictionary<string, byte[]> { ["x_train"] = TestFiles.Npy("|u1", [1, 2, 2], new byte[4]) });
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("npz", path)));
        Assert.Contains(path, e.Message);
        Assert.Contains("x_test", e.Message);
    }

    [Fact]
    public void Count_mismatch_between_images_and_labels_is_reported()
    {
        var path = Path.Combine(TestFiles.TempDirectory(), "mismatch.npz");
        TestFiles.WriteNpz(path, new Dictionary<string, byte[]>
        {
            ["x_train"] = TestFiles.Npy("|u1", [3, 2, 2], new byte[12]),
            ["y_train"] = TestFiles.Npy("<i8", [2], TestFiles.Longs([0, 1])),
            ["x_test"] = TestFiles.Npy("|u1", [1, 2, 2], new byte[4]),
            ["y_test"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([1])),
        });
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("npz", path)));
        Assert.Contains("y_train.npy: 2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void Truncated_array_data_bad_magic_and_bad_one_hot_rows_are_reported()
    {
        var dir = TestFiles.TempDirectory();
        var truncated = Path.Combine(dir, "truncated.npz");
        TestFiles.WriteNpz(truncated, new Dictionary<string, byte[]>
        {
            ["x_train"] = TestFiles.Npy("<f4", [3, 2, 2], TestFiles.Floats(new float[10])),
            ["y_train"] = TestFiles.Npy("<i8", [3], TestFiles.Longs([0, 1, 0])),
            ["x_test"] = TestFiles.Npy("<f4", [1, 2, 2], TestFiles.Floats(new float[4])),
            ["y_test"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([1])),
        });
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("npz", truncated)));
        Assert.Contains("x_train.npy: truncated", e.Message);

        var badMagic = Path.Combine(dir, "magic.npz");
        TestFiles.WriteNpz(badMagic, new Dictionary<string, byte[]>
        {
            ["x_train"] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            ["y_train"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([0])),
            ["x_test"] = TestFiles.Npy("|u1", [1, 2, 2], new byte[4]),
            ["y_test"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([1])),
        });
        Assert.Contains("x_train.npy: not a NumPy .npy array", Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("npz", badMagic))).Message);

        var oneHot = Path.Combine(dir, "onehot.npz");
        TestFiles.WriteNpz(oneHot, new Dictionary<string, byte[]>
        {
            ["x_train"] = TestFiles.Npy("|u1", [2, 2, 2], new byte[8]),
            ["y_train"] = TestFiles.Npy("<f4", [2, 3], TestFiles.Floats([1, 0, 0, 0, 1, 1])),
            ["x_test"] = TestFiles.Npy("|u1", [1, 2, 2], new byte[4]),
            ["y_test"] = TestFiles.Npy("<f4", [1, 3], TestFiles.Floats([0, 1, 0])),
        });
        Assert.Contains("row 1 is not one-hot", Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("npz", oneHot))).Message);
    }

    [Fact]
    public void Not_a_zip_file_and_unsupported_types_are_reported()
    {
        var dir = TestFiles.TempDirectory();
        var notZip = Path.Combine(dir, "plain.npz");
        File.WriteAllText(notZip, "hello");
        Assert.Contains(notZip, Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("npz", notZip))).Message);

        var objects = Path.Combine(dir, "objects.npz");
        TestFiles.WriteNpz(objects, new Dictionary<string, byte[]>
        {
            ["x_train"] = TestFiles.Npy("|O", [1, 2, 2], new byte[32]),
            ["y_train"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([0])),
            ["x_test"] = TestFiles.Npy("|u1", [1, 2, 2], new byte[4]),
            ["y_test"] = TestFiles.Npy("<i8", [1], TestFiles.Longs([1])),
        });
        Assert.Contains("'|O' is not supported", Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("npz", objects))).Message);
    }
}
