namespace HyperSearch.Training;

/// <summary>
/// Reader for the IDX format of MNIST and Fashion-MNIST (raw or gzip): a 4-byte magic (0, 0, type 0x08 =
/// unsigned byte, dimension count), big-endian 32-bit dimensions, then the values row-major.
/// </summary>
internal static class IdxReader
{
    private const int ImageMagic = 0x00000803;
    private const int LabelMagic = 0x00000801;
    private const int MaxSide = 1 << 14;

    public readonly record struct ImageHeader(int Count, int Rows, int Columns);

    public static ImageHeader ReadImageHeader(string path)
    {
        using var stream = DataFiles.OpenMaybeGzip(path);
        var header = ReadImageHeader(stream, path);
        // For an uncompressed file the size is known without reading the pixels.
        if (stream is FileStream file)
        {
            long expected = 16 + (long)header.Count * header.Rows * header.Columns;
            if (file.Length != expected)
                throw new DatasetException($"{path}: {file.Length} bytes, expected {expected} for {header.Count} images of {header.Rows}×{header.Columns} (truncated or corrupt)");
        }
        return header;
    }

    public static int ReadLabelCount(string path)
    {
        using var stream = DataFiles.OpenMaybeGzip(path);
        int count = ReadLabelHeader(stream, path);
        if (stream is FileStream file && file.Length != 8 + (long)count)
            throw new DatasetException($"{path}: {file.Length} bytes, expected {8 + (long)count} for {count} labels (truncated or corrupt)");
        return count;
    }

    public static byte[] ReadImages(string path, out ImageHeader header)
    {
        using var stream = DataFiles.OpenMaybeGzip(path);
        header = ReadImageHeader(stream, path);
        long size = (long)header.Count * header.Rows * header.Columns;
        if (size > Array.MaxLength)
            throw new DatasetException($"{path}: {header.Count} images of {header.Rows}×{header.Columns} exceed what one process can hold");
        var pixels = new byte[size];
        DataFiles.ReadExactly(stream, pixels, path, $"pixel data for {header.Count} images of {header.Rows}×{header.Columns}");
        DataFiles.ExpectEnd(stream, path, $"{header.Count} images");
        return pixels;
    }

    public static int[] ReadLabels(string path, int classes)
    {
        using var stream = DataFiles.OpenMaybeGzip(path);
        int count = ReadLabelHeader(stream, path);
        var raw = new byte[count];
        DataFiles.ReadExactly(stream, raw, path, $"{count} labels");
        DataFiles.ExpectEnd(stream, path, $"{count} labels");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (raw[i] >= classes)
                throw new DatasetException($"{path}: label {raw[i]} at index {i} is out of range; expected 0..{classes - 1}");
            labels[i] = raw[i];
        }
        return labels;
    }

    private static ImageHeader ReadImageHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[16];
        DataFiles.ReadExactly(stream, header[..4], path, "IDX header");
        int magic = DataFiles.BigEndianInt32(header);
        if (magic != ImageMagic)
            throw new DatasetException($"{path}: magic number 0x{magic:X8}, expected 0x{ImageMagic:X8} (IDX unsigned-byte images, 3 dimensions)");
        DataFiles.ReadExactly(stream, header[4..], path, "IDX image dimensions");
        int count = DataFiles.BigEndianInt32(header[4..]);
        int rows = DataFiles.BigEndianInt32(header[8..]);
        int cols = DataFiles.BigEndianInt32(header[12..]);
        if (count < 0 || rows <= 0 || cols <= 0 || rows > MaxSide || cols > MaxSide)
            throw new DatasetException($"{path}: implausible dimensions {count}×{rows}×{cols} in the IDX header");
        return new ImageHeader(count, rows, cols);
    }

    private static int ReadLabelHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[8];
        DataFiles.ReadExactly(stream, header[..4], path, "IDX header");
        int magic = DataFiles.BigEndianInt32(header);
        if (magic != LabelMagic)
            throw new DatasetException($"{path}: magic number 0x{magic:X8}, expected 0x{LabelMagic:X8} (IDX unsigned-byte labels, 1 dimension)");
        DataFiles.ReadExactly(stream, header[4..], path, "IDX label count");
        int count = DataFiles.BigEndianInt32(header[4..]);
        if (count < 0) throw new DatasetException($"{path}: negative label count {count} in the IDX header");
        return count;
    }
}
