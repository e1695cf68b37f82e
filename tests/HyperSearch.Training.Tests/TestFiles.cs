using System.Buffers.Binary;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace HyperSearch.Training.Tests;

/// <summary>Writes real dataset files in the formats the readers accept (and, on request, broken ones).</summary>
internal static class TestFiles
{
    /// <summary>
    /// Decodes and prepares a dataset without <see cref="DatasetCatalog.Load"/>'s process-wide cache, so that
    /// no test depends on what another test loaded (only the cache's own test uses the cache).
    /// </summary>
    public static PreparedDataset LoadUncached(DatasetOptions options)
    {
        var normalized = DatasetCatalog.Normalize(options);
        return DatasetPreparer.Prepare(normalized, DatasetCatalog.Decode(normalized));
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hs-training-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>IDX unsigned-byte images: magic 0x00000803, count, rows, cols (big-endian), pixels.</summary>
    public static byte[] IdxImages(byte[] pixels, int count, int rows, int cols, int magic = 0x00000803)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), cols);
        return [.. header, .. pixels];
    }

    public static byte[] IdxLabels(byte[] labels, int? count = null)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count ?? labels.Length);
        return [.. header, .. labels];
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(data);
        return output.ToArray();
    }

    /// <summary>A learnable synthetic set: class c lights up a bar at row/column c (mod size) over noise.</summary>
    public static (byte[] Pixels, byte[] Labels) Synthetic(int count, int channels, int side, int classes, int seed, bool channelsLast = false)
    {
        var random = new Random(seed);
        var pixels = new byte[count * channels * side * side];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % classes;
            labels[n] = (byte)label;
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < side; y++)
                {
                    for (int x = 0; x < side; x++)
                    {
                        bool lit = label % 2 == 0 ? y == (label / 2) % side : x == (label / 2) % side;
                        int value = (lit ? 200 : 30) + random.Next(-25, 26);
                        int index = channelsLast
                            ? ((n * side + y) * side + x) * channels + c
                            : ((n * channels + c) * side + y) * side + x;
                        pixels[index] = (byte)value;
                    }
                }
            }
        }
        return (pixels, labels);
    }

    /// <summary>Four IDX files (gzip or raw) for train and test in <paramref name="dir"/>.</summary>
    public static void WriteIdxDataset(string dir, int train, int test, int side = 8, bool gzip = true, int seed = 1)
    {
        var (trainPixels, trainLabels) = Synthetic(train, 1, side, 10, seed);
        var (testPixels, testLabels) = Synthetic(test, 1, side, 10, seed + 1);
        string ext = gzip ? ".gz" : "";
        byte[] Maybe(byte[] b) => gzip ? Gzip(b) : b;
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte" + ext), Maybe(IdxImages(trainPixels, train, side, side)));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte" + ext), Maybe(IdxLabels(trainLabels)));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte" + ext), Maybe(IdxImages(testPixels, test, side, side)));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte" + ext), Maybe(IdxLabels(testLabels)));
    }

    /// <summary>CIFAR-10 binary records: label byte, then 1024 R, 1024 G, 1024 B.</summary>
    public static byte[] CifarBatch(int records, int seed, int labelOffset = 0)
    {
        var (pixels, labels) = Synthetic(records, 3, 32, 10, seed);
        var data = new byte[records * 3073];
        for (int r = 0; r < records; r++)
        {
            data[r * 3073] = (byte)((labels[r] + labelOffset) % 256);
            Buffer.BlockCopy(pixels, r * 3072, data, r * 3073 + 1, 3072);
        }
        return data;
    }

    public static void WriteCifarDataset(string dir, int perBatch, int test)
    {
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(Path.Combine(dir, $"data_batch_{i}.bin"), CifarBatch(perBatch, i));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), CifarBatch(test, 99));
    }

    public static void WriteCifarArchive(string path, int perBatch, int test)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz);
        void Add(string name, byte[] data)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/" + name) { DataStream = new MemoryStream(data) };
            tar.WriteEntry(entry);
        }
        for (int i = 1; i <= 5; i++) Add($"data_batch_{i}.bin", CifarBatch(perBatch, i));
        Add("test_batch.bin", CifarBatch(test, 99));
        Add("batches.meta.txt", Encoding.ASCII.GetBytes("airplane\n"));
    }

    /// <summary>One .npy array (format 1.0) with the given dtype descriptor, shape and little-endian data.</summary>
    public static byte[] Npy(string descr, long[] shape, byte[] data, bool fortran = false)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int unpadded = 10 + dict.Length + 1;
        dict += new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var header = new byte[10];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(header, 1);
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)dict.Length);
        return [.. header, .. Encoding.ASCII.GetBytes(dict), .. data];
    }

    public static byte[] Floats(IEnumerable<float> values) => [.. values.SelectMany(BitConverter.GetBytes)];

    public static byte[] Longs(IEnumerable<long> values) => [.. values.SelectMany(BitConverter.GetBytes)];

    public static void WriteNpz(string path, IReadOnlyDictionary<string, byte[]> arrays, bool compress = true)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, data) in arrays)
        {
            var entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(data);
        }
    }

    /// <summary>An .npz of synthetic images: uint8 NHWC by default, or float32 scaled by <paramref name="trainScale"/>/<paramref name="testScale"/>.</summary>
    public static string WriteSyntheticNpz(string dir, int train, int test, int channels = 1, int side = 8, bool float32 = false,
        double trainScale = 1, double testScale = 1, bool oneHot = false, int classes = 10, string name = "data.npz")
    {
        var (trainPixels, trainLabels) = Synthetic(train, channels, side, classes, 5, channelsLast: true);
        var (testPixels, testLabels) = Synthetic(test, channels, side, classes, 6, channelsLast: true);
        byte[] Images(byte[] pixels, int n, double scale) => float32
            ? Npy("<f4", [n, side, side, channels], Floats(pixels.Select(p => (float)(p * scale))))
            : Npy("|u1", [n, side, side, channels], pixels);
        byte[] Labels(byte[] labels) => oneHot
            ? Npy("<f4", [labels.Length, classes], Floats(labels.SelectMany(l => Enumerable.Range(0, classes).Select(k => k == l ? 1f : 0f))))
            : Npy("<i8", [labels.Length], Longs(labels.Select(l => (long)l)));
        var path = Path.Combine(dir, name);
        WriteNpz(path, new Dictionary<string, byte[]>
        {
            ["x_train"] = Images(trainPixels, train, trainScale),
            ["y_train"] = Labels(trainLabels),
            ["x_test"] = Images(testPixels, test, testScale),
            ["y_test"] = Labels(testLabels),
        });
        return path;
    }

    public static string Invariant(double v) => v.ToString(CultureInfo.InvariantCulture);
}
