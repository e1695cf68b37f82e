namespace HyperSearch.Training.Tests;

public sealed class CifarReaderTests
{
    [Fact]
    public void Reads_the_six_binary_batches_from_a_directory()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteCifarDataset(dir, perBatch: 12, test: 10);
        Assert.Equal(new DatasetInfo(3, 32, 32, 10, 60, 10), DatasetCatalog.Probe(new DatasetOptions("cifar10", dir)));

        var raw = CifarReader.Load(dir);
        Assert.Equal(60, raw.Train.Count);
        Assert.Equal(3, raw.Train.Channels);
        // Record layout: label byte, then the red, green, blue planes, which become the CHW image as is.
        var batch = File.ReadAllBytes(Path.Combine(dir, "data_batch_2.bin"));
        int record = 5, image = 12 + record;
        Assert.Equal(batch[record * 3073], raw.Train.Labels[image]);
        var decoded = new float[3072];
        raw.Train.CopyAffine(image, decoded, [1, 1, 1], [0, 0, 0]);
        Assert.Equal(batch.AsSpan(record * 3073 + 1, 3072).ToArray().Select(b => (float)b), decoded);
    }

    [Fact]
    public void Reads_cifar_10_binary_tar_gz()
    {
        var dir = TestFiles.TempDirectory();
        var archive = Path.Combine(dir, "cifar-10-binary.tar.gz");
        // Ten records per batch: every class has training images (a test class the training split lacks is refused).
        TestFiles.WriteCifarArchive(archive, perBatch: 10, test: 6);
        Assert.Equal(new DatasetInfo(3, 32, 32, 10, 50, 6), DatasetCatalog.Probe(new DatasetOptions("cifar10", archive)));
        var data = TestFiles.LoadUncached(new DatasetOptions("cifar10", dir, ValidationFraction: 0.5));
        Assert.Equal(25, data.TrainCount);
        Assert.Equal(6, data.TestCount);
        Assert.Equal(3, data.Normalization.Mean.Count);
    }

    [Fact]
    public void Truncated_batch_names_the_file_and_the_record_size()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteCifarDataset(dir, 4, 4);
        var path = Path.Combine(dir, "data_batch_3.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^10]);
        var e = Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("cifar10", dir)));
        Assert.Contains(path, e.Message);
        Assert.Contains("3073-byte", e.Message);
    }

    [Fact]
    public void Label_out_of_range_names_the_record()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteCifarDataset(dir, 4, 4);
        var path = Path.Combine(dir, "test_batch.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[2 * 3073] = 10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DatasetException>(() => TestFiles.LoadUncached(new DatasetOptions("cifar10", dir)));
        Assert.Contains("test_batch.bin: record 2 has label 10", e.Message);
    }

    [Fact]
    public void Missing_batch_and_broken_archive_are_reported()
    {
        var dir = TestFiles.TempDirectory();
        TestFiles.WriteCifarDataset(dir, 4, 4);
        File.Delete(Path.Combine(dir, "data_batch_5.bin"));
        Assert.Contains("data_batch_5.bin", Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("cifar10", dir))).Message);

        var archive = Path.Combine(TestFiles.TempDirectory(), "cifar-10-binary.tar.gz");
        File.WriteAllBytes(archive, [0x1f, 0x8b, 8, 0, 1, 2, 3]);
        Assert.Contains(archive, Assert.Throws<DatasetException>(() => DatasetCatalog.Probe(new DatasetOptions("cifar10", archive))).Message);
    }
}
