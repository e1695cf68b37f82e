using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace HyperSearch.Cli.Tests;

/// <summary>The real Fashion-MNIST as a Keras user holds it: NHWC float32 images (N,28,28,1) and one-hot float32
/// labels (N,10), saved with numpy.savez — built here from the IDX files, each split scaled its own way.</summary>
internal static class KerasNpz
{
    public static string Write(string path, Func<byte, float> train, Func<byte, float> test)
    {
        FashionMnist.Require();
        var (trainImages, trainLabels) = Read("train");
        var (testImages, testLabels) = Read("t10k");
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        Entry(zip, "x_train", [trainLabels.Length, 28, 28, 1], trainImages.Select(train));
        Entry(zip, "y_train", [trainLabels.Length, 10], OneHot(trainLabels));
        Entry(zip, "x_test", [testLabels.Length, 28, 28, 1], testImages.Select(test));
        Entry(zip, "y_test", [testLabels.Length, 10], OneHot(testLabels));
        return path;
    }

    private static (byte[] Images, byte[] Labels) Read(string prefix)
    {
        static byte[] Gunzip(string path)
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gz.CopyTo(memory);
            return memory.ToArray();
        }

        var images = Gunzip(Path.Combine(FashionMnist.Directory, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = Gunzip(Path.Combine(FashionMnist.Directory, $"{prefix}-labels-idx1-ubyte.gz"));
        return (images[16..], labels[8..]);
    }

    private static IEnumerable<float> OneHot(byte[] labels) => labels.SelectMany(l => Enumerable.Range(0, 10).Select(k => k == l ? 1f : 0f));

    private static void Entry(ZipArchive zip, string name, long[] shape, IEnumerable<float> values)
    {
        using var s = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression).Open();
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        dict += new string(' ', (64 - (10 + dict.Length + 1) % 64) % 64) + "\n";
        var header = new byte[10];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(header, 1);
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)dict.Length);
        s.Write(header);
        s.Write(Encoding.ASCII.GetBytes(dict));
        var buffer = new float[1 << 16];
        var n = 0;
        foreach (var v in values)
        {
            buffer[n++] = v;
            if (n == buffer.Length)
            {
                s.Write(MemoryMarshal.AsBytes(buffer.AsSpan()));
                n = 0;
            }
        }

        s.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
    }
}
