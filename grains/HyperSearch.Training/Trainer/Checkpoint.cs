using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// A trial's state after an epoch: model, optimizer, dropout generator, data RNG and the epoch reports,
/// in one file written to a temp name and renamed over the previous one (atomic on POSIX), so a crash
/// leaves either the old or the new checkpoint, never a torn one.
/// </summary>
internal static class Checkpoint
{
    public const string FileName = "checkpoint.bin";
    private const string Magic = "HSCKPT";
    private const int FormatVersion = 1;

    internal sealed record Metadata(
        int Epoch,
        int Seed,
        string Precision,
        string Config,
        ulong[] DataRngState,
        IReadOnlyList<EpochReport> Reports);

    // Validation metrics are NaN when there is no validation split; JSON has no literal for that by default.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static void Save(string directory, Metadata metadata, TrainingSession session)
    {
        Directory.CreateDirectory(directory);
        var target = PathIn(directory);
        var temp = Path.Combine(directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                writer.Write(JsonSerializer.Serialize(metadata, Json));
                using (var generator = session.DropoutGenerator.get_state()) WriteBlob(writer, generator.bytes);
                TensorIO.WriteModule(writer, session.Model);
                session.Optimizer.Save(writer);
                writer.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads the metadata only (cheap); null when the directory has no checkpoint.</summary>
    public static Metadata? ReadMetadata(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path)) return null;
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        return ReadHeader(reader, path);
    }

    /// <summary>Restores model, optimizer and dropout generator into <paramref name="session"/>; returns the metadata.</summary>
    public static Metadata Restore(string directory, TrainingSession session, bool includeOptimizer = true)
    {
        var path = PathIn(directory);
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        var metadata = ReadHeader(reader, path);
        var generatorState = ReadBlob(reader, path);
        using (var state = tensor(generatorState, ScalarType.Byte)) session.DropoutGenerator.set_state(state);
        try
        {
            TensorIO.ReadModule(reader, session.Model);
            if (includeOptimizer) session.Optimizer.Load(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: truncated checkpoint", e);
        }
        return metadata;
    }

    /// <summary>Copies the checkpoint's model tensors, as <see cref="TensorIO.WriteModule"/> wrote them, to <paramref name="writer"/>.</summary>
    public static void CopyModelTensors(string directory, BinaryWriter writer)
    {
        var path = PathIn(directory);
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        ReadHeader(reader, path);
        ReadBlob(reader, path);
        try
        {
            TensorIO.CopyModule(reader, writer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: truncated checkpoint", e);
        }
    }

    private static Metadata ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException("bad magic");
            int version = reader.ReadInt32();
            if (version != FormatVersion) throw new InvalidDataException($"format version {version}, expected {FormatVersion}");
            return JsonSerializer.Deserialize<Metadata>(reader.ReadString(), Json) ?? throw new InvalidDataException("empty metadata");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: not a readable HyperSearch checkpoint ({e.Message})", e);
        }
    }

    private static void WriteBlob(BinaryWriter writer, ReadOnlySpan<byte> data)
    {
        writer.Write(data.Length);
        writer.Write(data);
    }

    private static byte[] ReadBlob(BinaryReader reader, string path)
    {
        int length = reader.ReadInt32();
        var data = reader.ReadBytes(length);
        if (length < 0 || data.Length != length) throw new InvalidDataException($"{path}: truncated checkpoint");
        return data;
    }
}
