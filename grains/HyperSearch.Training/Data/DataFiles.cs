using System.IO.Compression;

namespace HyperSearch.Training;

/// <summary>File helpers shared by the readers: transparent gzip, exact reads with messages that name the file.</summary>
internal static class DataFiles
{
    /// <summary>Opens a file, decompressing it when it starts with the gzip magic (whatever its name says).</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16);
        return file;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes or throws a message naming the file and what was missing.</summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        int got;
        try
        {
            got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: corrupt compressed data while reading {what} ({e.Message})", e);
        }
        if (got < buffer.Length)
            throw new DatasetException($"{path}: truncated: expected {buffer.Length} bytes of {what}, found {got}");
    }

    /// <summary>Throws when the stream has data after what its header declared (a sign of a corrupt or mismatched file).</summary>
    public static void ExpectEnd(Stream stream, string path, string declared)
    {
        Span<byte> one = stackalloc byte[1];
        int extra;
        try
        {
            extra = stream.Read(one);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"{path}: corrupt compressed data after {declared} ({e.Message})", e);
        }
        if (extra != 0)
            throw new DatasetException($"{path}: has data beyond the {declared} its header declares; the file is corrupt or not what its name says");
    }

    public static int BigEndianInt32(ReadOnlySpan<byte> b) => (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];

    /// <summary>The first of the candidate names that exists in <paramref name="directory"/>, or null.</summary>
    public static string? FirstExisting(string directory, params string[] names)
    {
        foreach (var name in names)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
