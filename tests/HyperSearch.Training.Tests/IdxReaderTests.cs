namespace HyperSearch.Training.Tests;

public sealed class IdxReaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Probe_and_load_read_gzip_and_raw_files(bool gzip)
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, train: 200, test: 50, side: 8, gzip: gzip);

        var info = DatasetCatalog.Probe(new DatasetOptions("mnist", dir));
        Assert.Equal(new DatasetInfo(1, 8, 8, 10, 200, 50), info);

        var data = TestFiles.LoadUncached(new DatasetOptions("mnist", dir, ValidationFraction: 0.2));
        Assert.Equal(160, data.TrainCount);
        Assert.Equal(40, data.ValidationCount);
        Assert.Equal(50, data.TestCount);
        // Labels survive decoding: the synthetic set cycles 0..9.
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i % 10), data.Test.Labels);
    }

    [Fact]
    public void Pixels_are_decoded_in_row_major_order()
    {
        var dir = TestFiles.TempDirectory();
        var pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), TestFiles.IdxImages(pixels, 2, 3, 4));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), TestFiles.IdxLabels([3, 7]));
        var raw = IdxReader.ReadImages(Path.Combine(dir, "train-images-idx3-ubyte"), out var header);
        Assert.Equal((2, 3, 4), (header.Count, header.Rows, header.Columns));
        Assert.Equal(pixels, raw);
        Assert.Equal([3, 7], IdxReader.ReadLabels(Path.Combine(dir, "train-labels-idx1-ubyte"), 10));
    }

    [Fact]
    public void Wrong_magic_number_names_the_file_and_the_expected_magic()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10, gzip: false);
        var path = Path.Combine(dir, "train-images-idx3-ubyte");
        File.WriteAllBytes(path, TestFiles.IdxImages(new byte[20 * 64], 20, 8, 8, magic: 0x00000801));
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", dir)));
        Assert.Contains(path, e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_pixel_data_is_reported_with_expected_and_found_sizes(bool gzip)
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10, gzip: gzip);
        var name = "t10k-images-idx3-ubyte" + (gzip ? ".gz" : "");
        var full = TestFiles.IdxImages(new byte[10 * 64], 10, 8, 8);
        var cut = full[..(full.Length - 100)];
        File.WriteAllBytes(Path.Combine(dir, name), gzip ? TestFiles.Gzip(cut) : cut);
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", dir)));
        Assert.Contains(name, e.Message);
        Assert.Contains("truncated", e.Message);
        if (!gzip)
        {
            // Probe sees it from the file size alone.
            Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("mnist", dir)));
        }
    }

    [Fact]
    public void Corrupt_gzip_stream_is_a_dataset_error()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10);
        var path = Path.Combine(dir, "train-labels-idx1-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        for (int i = 12; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", dir)));
        Assert.Contains("train-labels-idx1-ubyte.gz", e.Message);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10, gzip: false);
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), TestFiles.IdxLabels(new byte[19]));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("mnist", dir)));
        Assert.Contains("19 labels", e.Message);
        Assert.Contains("20 images", e.Message);
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void Label_out_of_range_names_the_index_and_the_range()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10, gzip: false);
        var labels = new byte[20];
        labels[13] = 12;
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), TestFiles.IdxLabels(labels));
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", dir)));
        Assert.Contains("label 12 at index 13", e.Message);
        Assert.Contains("0..9", e.Message);
    }

    [Fact]
    public void Missing_file_names_the_path_and_the_expected_file()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteIdxDataset(dir, 20, 10);
        File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("fashion-mnist", dir)));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Unknown_dataset_name_and_bad_options_are_rejected()
    {
        Assert.Contains("expected one of", Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("imagenet", "/tmp"))).Message);
        Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", "/tmp", ValidationFraction: 1.5)));
        Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("mnist", "/tmp", TrainSubset: 10, TrainSubsetFraction: 0.5)));
        Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("npz")));
    }
}
