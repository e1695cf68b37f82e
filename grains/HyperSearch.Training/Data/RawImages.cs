namespace HyperSearch.Training;

/// <summary>
/// One decoded source split, NCHW, before any splitting or normalization. Pixels stay in the source's
/// element type (bytes for IDX/CIFAR/uint8 npz) so a 60k-image set costs 47 MB, not 188 MB, until it is
/// normalized once into the prepared splits.
/// </summary>
internal sealed class RawImages
{
    private readonly byte[]? bytes;
    private readonly float[]? floats;

    public RawImages(string source, int count, int channels, int height, int width, byte[]? bytes, float[]? floats, int[] labels, string labelSource)
    {
        if ((bytes is null) == (floats is null))
            throw new ArgumentException("exactly one pixel store is required");
        long expected = (long)count * channels * height * width;
        if ((bytes?.LongLength ?? floats!.LongLength) != expected)
            throw new ArgumentException($"{source}: pixel store holds {(bytes?.LongLength ?? floats!.LongLength)} values, expected {expected}");
        if (labels.Length != count)
            throw new DatasetException($"{labelSource}: {labels.Length} labels but {source} has {count} images; expected one label per image");
        Source = source;
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        this.bytes = bytes;
        this.floats = floats;
        Labels = labels;
        LabelSource = labelSource;
    }

    public string Source { get; }
    public string LabelSource { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int[] Labels { get; }
    public int PixelsPerImage => Channels * Height * Width;
    public int PlaneSize => Height * Width;

    /// <summary>Copies image <paramref name="index"/> into <paramref name="destination"/> as (x * scale[c] + shift[c]).</summary>
    public void CopyAffine(int index, Span<float> destination, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        int plane = PlaneSize;
        long start = (long)index * PixelsPerImage;
        for (int c = 0; c < Channels; c++)
        {
            var dst = destination.Slice(c * plane, plane);
            float a = scale[c], b = shift[c];
            long offset = start + (long)c * plane;
            if (bytes is not null)
            {
                var src = bytes.AsSpan(checked((int)offset), plane);
                for (int k = 0; k < plane; k++) dst[k] = src[k] * a + b;
            }
            else
            {
                var src = floats.AsSpan(checked((int)offset), plane);
                for (int k = 0; k < plane; k++) dst[k] = src[k] * a + b;
            }
        }
    }

    /// <summary>Per-channel value statistics over the given images (all when null).</summary>
    public ChannelStats[] Statistics(IReadOnlyList<int>? indices = null)
    {
        int n = indices?.Count ?? Count;
        int plane = PlaneSize;
        var acc = new ChannelStatsAccumulator[Channels];
        for (int c = 0; c < Channels; c++) acc[c] = new ChannelStatsAccumulator(n, (long)n * plane);
        for (int i = 0; i < n; i++)
        {
            long start = (long)(indices?[i] ?? i) * PixelsPerImage;
            for (int c = 0; c < Channels; c++)
            {
                int offset = checked((int)(start + (long)c * plane));
                if (bytes is not null) acc[c].Add(bytes.AsSpan(offset, plane));
                else acc[c].Add(floats.AsSpan(offset, plane));
            }
        }
        return [.. acc.Select(a => a.Result())];
    }
}

/// <summary>Both source splits of a dataset as decoded from its files.</summary>
internal sealed record RawDataset(RawImages Train, RawImages Test, int Classes);
