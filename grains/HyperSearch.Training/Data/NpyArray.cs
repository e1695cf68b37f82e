using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace HyperSearch.Training;

/// <summary>
/// Header of one NumPy .npy array (format versions 1–3): "\x93NUMPY", version, header length, and a
/// Python dict literal with 'descr' (e.g. '&lt;f4', '|u1'), 'fortran_order' and 'shape'. The data follow.
/// </summary>
internal sealed partial class NpyArray
{
    private NpyArray(string name, char kind, int itemSize, bool bigEndian, long[] shape)
    {
        Name = name;
        Kind = kind;
        ItemSize = itemSize;
        BigEndian = bigEndian;
        Shape = shape;
    }

    /// <summary>The array's name for messages, e.g. "data.npz:x_train.npy".</summary>
    public string Name { get; }
    /// <summary>NumPy kind: 'u' unsigned, 'i' signed, 'f' float, 'b' bool.</summary>
    public char Kind { get; }
    public int ItemSize { get; }
    public bool BigEndian { get; }
    public long[] Shape { get; }
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public string ShapeText => "(" + string.Join(", ", Shape) + ")";
    public bool IsUInt8 => Kind is 'u' or 'b' && ItemSize == 1;

    /// <summary>Reads the header, leaving <paramref name="stream"/> at the first data byte.</summary>
    public static NpyArray ReadHeader(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[10];
        DataFiles.ReadExactly(stream, prefix[..8], name, ".npy magic and version");
        if (prefix[0] != 0x93 || !prefix[1..6].SequenceEqual("NUMPY"u8))
            throw new DatasetException($"{name}: not a NumPy .npy array (bad magic); expected \\x93NUMPY");
        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            DataFiles.ReadExactly(stream, prefix[8..10], name, ".npy header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..10]);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            DataFiles.ReadExactly(stream, len, name, ".npy header length");
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(len));
        }
        else
        {
            throw new DatasetException($"{name}: .npy format version {major}.{prefix[7]}; expected 1.x, 2.x or 3.x");
        }
        if (headerLength > 1 << 20) throw new DatasetException($"{name}: implausible .npy header length {headerLength}");
        var headerBytes = new byte[headerLength];
        DataFiles.ReadExactly(stream, headerBytes, name, ".npy header");
        return Parse(Encoding.UTF8.GetString(headerBytes), name);
    }

    private static NpyArray Parse(string header, string name)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success)
            throw new DatasetException($"{name}: unreadable .npy header {header.Trim()}; expected 'descr' and 'shape'");
        if (fortran.Success && fortran.Groups[1].Value == "True")
            throw new DatasetException($"{name}: Fortran-ordered array; expected C order (save it with numpy.ascontiguousarray)");
        var d = descr.Groups[1].Value;
        var typed = TypePattern().Match(d);
        if (!typed.Success)
            throw new DatasetException($"{name}: element type '{d}' is not supported; expected a numeric type such as |u1, <f4, <f8 or <i8 (object/pickled arrays cannot be read)");
        char order = typed.Groups[1].Value is { Length: 1 } o ? o[0] : '<';
        char kind = typed.Groups[2].Value[0];
        int size = int.Parse(typed.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        bool valid = kind switch
        {
            'u' or 'i' => size is 1 or 2 or 4 or 8,
            'f' => size is 4 or 8,
            'b' => size == 1,
            _ => false,
        };
        if (!valid)
            throw new DatasetException($"{name}: element type '{d}' is not supported; expected unsigned/signed integers, float32/float64 or bool");
        long[] dims;
        try
        {
            dims = [.. shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => long.Parse(s.TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new DatasetException($"{name}: unreadable shape ({shape.Groups[1].Value}) in the .npy header");
        }
        if (dims.Any(x => x < 0)) throw new DatasetException($"{name}: negative dimension in shape ({shape.Groups[1].Value})");
        return new NpyArray(name, kind, size, order == '>' && size > 1, dims);
    }

    /// <summary>
    /// Streams the data one block of <paramref name="blockElements"/> elements at a time, converting each
    /// element to double (exact for every supported type up to 2^53); the callback gets the block index.
    /// </summary>
    public void ReadBlocks(Stream stream, long blockElements, Action<long, ReadOnlySpan<double>> onBlock)
    {
        long blocks = blockElements == 0 ? 0 : ElementCount / blockElements;
        var raw = new byte[checked((int)(blockElements * ItemSize))];
        var values = new double[blockElements];
        for (long b = 0; b < blocks; b++)
        {
            DataFiles.ReadExactly(stream, raw, Name, $"data: {ElementCount} elements of shape {ShapeText}");
            Convert(raw, values);
            onBlock(b, values);
        }
    }

    /// <summary>Reads unsigned-byte data as is (the fast path for uint8 images).</summary>
    public byte[] ReadBytes(Stream stream)
    {
        var data = new byte[ElementCount];
        DataFiles.ReadExactly(stream, data, Name, $"data: {ElementCount} elements of shape {ShapeText}");
        return data;
    }

    private void Convert(ReadOnlySpan<byte> raw, Span<double> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            var e = raw.Slice(i * ItemSize, ItemSize);
            values[i] = (Kind, ItemSize, BigEndian) switch
            {
                ('f', 4, false) => BinaryPrimitives.ReadSingleLittleEndian(e),
                ('f', 4, true) => BinaryPrimitives.ReadSingleBigEndian(e),
                ('f', 8, false) => BinaryPrimitives.ReadDoubleLittleEndian(e),
                ('f', 8, true) => BinaryPrimitives.ReadDoubleBigEndian(e),
                ('u' or 'b', 1, _) => e[0],
                ('i', 1, _) => (sbyte)e[0],
                ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(e),
                ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(e),
                ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(e),
                ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(e),
                ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(e),
                ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(e),
                ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(e),
                ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(e),
                ('u', 8, false) => BinaryPrimitives.ReadUInt64LittleEndian(e),
                ('u', 8, true) => BinaryPrimitives.ReadUInt64BigEndian(e),
                ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(e),
                ('i', 8, true) => BinaryPrimitives.ReadInt64BigEndian(e),
                _ => throw new InvalidOperationException($"unsupported element type {Kind}{ItemSize}"),
            };
        }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"^([<>|=]?)([uifb])(\d+)$")]
    private static partial Regex TypePattern();
}
