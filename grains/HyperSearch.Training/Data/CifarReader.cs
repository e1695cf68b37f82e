using System.Formats.Tar;
using System.IO.Compression;

namespace HyperSearch.Training;

/// <summary>
/// CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, each a sequence of 3073-byte records
/// (1 label byte, then 1024 red, 1024 green, 1024 blue bytes of a row-major 32×32 image, i.e. already
/// CHW). Read from a directory (or its cifar-10-batches-bin subdirectory) or from cifar-10-binary.tar.gz.
/// </summary>
internal static class CifarReader
{
    public const int Classes = 10;
    private const int Side = 32;
    private const int Channels = 3;
    private const int ImageBytes = Channels * Side * Side;
    private const int RecordBytes = 1 + ImageBytes;
    private const string ArchiveName = "cifar-10-binary.tar.gz";
    private static readonly string[] TrainFiles = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];
    private const string TestFile = "test_batch.bin";

    public static DatasetInfo Probe(string path)
    {
        if (ResolveArchive(path) is { } archive)
        {
            // Listing a tar.gz means inflating it; sizes come from the entry headers without keeping the data.
            var sizes = ReadArchive(archive, keepData: false).ToDictionary(e => e.Key, e => e.Value.Length);
            return new DatasetInfo(Channels, Side, Side, Classes,
                TrainFiles.Sum(f => Records(archive + ":" + f, sizes[f])), Records(archive + ":" + TestFile, sizes[TestFile]));
        }
        var dir = ResolveDirectory(path);
        int train = TrainFiles.Sum(f => Records(Path.Combine(dir, f), new FileInfo(Path.Combine(dir, f)).Length));
        int test = Records(Path.Combine(dir, TestFile), new FileInfo(Path.Combine(dir, TestFile)).Length);
        return new DatasetInfo(Channels, Side, Side, Classes, train, test);
    }

    public static RawDataset Load(string path)
    {
        Func<string, (string Name, byte[] Data)> read;
        if (ResolveArchive(path) is { } archive)
        {
            var entries = ReadArchive(archive, keepData: true);
            read = f => (archive + ":" + f, entries[f].Data!);
        }
        else
        {
            var dir = ResolveDirectory(path);
            read = f => (Path.Combine(dir, f), File.ReadAllBytes(Path.Combine(dir, f)));
        }
        var train = Decode([.. TrainFiles.Select(read)]);
        var test = Decode([read(TestFile)]);
        return new RawDataset(train, test, Classes);
    }

    private static RawImages Decode((string Name, byte[] Data)[] files)
    {
        int count = files.Sum(f => Records(f.Name, f.Data.Length));
        var pixels = new byte[(long)count * ImageBytes];
        var labels = new int[count];
        int n = 0;
        foreach (var (name, data) in files)
        {
            for (int r = 0; r < data.Length / RecordBytes; r++, n++)
            {
                int label = data[r * RecordBytes];
                if (label >= Classes)
                    throw new DatasetException($"{name}: record {r} has label {label}; expected 0..{Classes - 1} (corrupt file or not CIFAR-10 binary)");
                labels[n] = label;
                Buffer.BlockCopy(data, r * RecordBytes + 1, pixels, n * ImageBytes, ImageBytes);
            }
        }
        string source = files.Length == 1 ? files[0].Name : $"{files[0].Name} … {Path.GetFileName(files[^1].Name)}";
        return new RawImages(source, count, Channels, Side, Side, pixels, null, labels, source);
    }

    private static int Records(string name, long length)
    {
        if (length == 0 || length % RecordBytes != 0)
            throw new DatasetException($"{name}: {length} bytes is not a whole number of {RecordBytes}-byte CIFAR-10 records (truncated or corrupt)");
        return checked((int)(length / RecordBytes));
    }

    // A file path is the archive; a directory holding the .bin files (or their usual subdirectory) wins
    // over an archive lying beside them, so an extracted copy is never inflated again.
    private static string? ResolveArchive(string path)
    {
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path) || File.Exists(Path.Combine(path, TestFile)) || Directory.Exists(Path.Combine(path, "cifar-10-batches-bin")))
            return null;
        var inDir = Path.Combine(path, ArchiveName);
        return File.Exists(inDir) ? inDir : null;
    }

    private static string ResolveDirectory(string path)
    {
        if (!Directory.Exists(path))
            throw new DatasetException($"{path}: not found; expected a directory with data_batch_1..5.bin and test_batch.bin, or {ArchiveName}");
        var nested = Path.Combine(path, "cifar-10-batches-bin");
        var dir = File.Exists(Path.Combine(path, TestFile)) || !Directory.Exists(nested) ? path : nested;
        foreach (var f in TrainFiles.Append(TestFile))
        {
            if (!File.Exists(Path.Combine(dir, f)))
                throw new DatasetException($"{Path.Combine(dir, f)}: file not found; expected data_batch_1..5.bin and test_batch.bin (CIFAR-10 binary version) or {ArchiveName}");
        }
        return dir;
    }

    private readonly record struct ArchiveEntry(long Length, byte[]? Data);

    private static Dictionary<string, ArchiveEntry> ReadArchive(string archive, bool keepData)
    {
        var found = new Dictionary<string, ArchiveEntry>(StringComparer.Ordinal);
        try
        {
            using var file = File.OpenRead(archive);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !(TrainFiles.Contains(name) || name == TestFile))
                    continue;
                if (!keepData)
                {
                    found[name] = new ArchiveEntry(entry.Length, null);
                    continue;
                }
                var data = new byte[entry.Length];
                if (entry.DataStream is null)
                    throw new DatasetException($"{archive}: entry {entry.Name} has no data");
                DataFiles.ReadExactly(entry.DataStream, data, archive, $"entry {entry.Name}");
                found[name] = new ArchiveEntry(data.Length, data);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DatasetException($"{archive}: not a readable gzip-compressed tar archive ({e.Message}); expected {ArchiveName}", e);
        }
        foreach (var f in TrainFiles.Append(TestFile))
        {
            if (!found.ContainsKey(f))
                throw new DatasetException($"{archive}: has no {f}; expected data_batch_1..5.bin and test_batch.bin (CIFAR-10 binary version)");
        }
        return found;
    }
}
