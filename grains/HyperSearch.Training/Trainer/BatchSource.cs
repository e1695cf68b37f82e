using HyperSearch.Randomness;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// Builds batch tensors from a shared, read-only split: gathers the images of a batch (applying random
/// crop-with-padding and horizontal flip on the way when asked) into one reusable managed buffer, then
/// copies that into a fresh tensor, so the shared arrays are never aliased by a tensor.
/// </summary>
internal sealed class BatchSource
{
    private readonly SplitData split;
    private readonly int channels, height, width;
    private readonly float[] padValue;
    private readonly float[] images;
    private readonly long[] labels;

    public BatchSource(SplitData split, DatasetInfo info, NormalizationStats normalization, int maxBatch)
    {
        this.split = split;
        (channels, height, width) = (info.Channels, info.Height, info.Width);
        // Padding is black in the source scale, i.e. raw 0 after normalization.
        padValue = [.. normalization.Mean.Zip(normalization.Std, (m, s) => (float)(-m / s))];
        images = new float[(long)maxBatch * split.PixelsPerImage];
        labels = new long[maxBatch];
    }

    public int Count => split.Count;

    /// <summary>0..Count-1, for walking the split in order (evaluation).</summary>
    public int[] Identity => identity ??= [.. Enumerable.Range(0, split.Count)];

    private int[]? identity;

    /// <summary>The batch of the given split indices as (images NCHW float32, labels int64) on <paramref name="device"/>.</summary>
    public (Tensor Images, Tensor Labels) Assemble(ReadOnlySpan<int> indices, Device device, SeededRandom? rng = null, bool flip = false, int cropPadding = 0)
    {
        int n = indices.Length, pixels = split.PixelsPerImage;
        for (int i = 0; i < n; i++)
        {
            var destination = images.AsSpan(i * pixels, pixels);
            var source = split.Image(indices[i]);
            labels[i] = split.Labels[indices[i]];
            if (rng is null || (!flip && cropPadding == 0))
            {
                source.CopyTo(destination);
                continue;
            }
            // Draw order is fixed (dy, dx, flip) so resumed runs replay the same augmentation.
            int dy = cropPadding > 0 ? rng.NextInt(2 * cropPadding + 1) - cropPadding : 0;
            int dx = cropPadding > 0 ? rng.NextInt(2 * cropPadding + 1) - cropPadding : 0;
            bool mirror = flip && rng.NextInt(2) == 1;
            Shift(source, destination, dy, dx, mirror);
        }
        var x = empty([n, channels, height, width], ScalarType.Float32);
        using (var accessor = x.data<float>()) accessor.CopyFrom(images.AsSpan(0, n * pixels), 0, 0);
        var y = tensor(labels.AsSpan(0, n).ToArray(), ScalarType.Int64);
        return device.type == TorchSharp.DeviceType.CPU ? (x, y) : (x.to(device), y.to(device));
    }

    // destination(y, x) = source(y + dy, x' + dx) with x' mirrored when flipping; outside → pad value.
    private void Shift(ReadOnlySpan<float> source, Span<float> destination, int dy, int dx, bool mirror)
    {
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var src = source.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            float pad = padValue[c];
            for (int y = 0; y < height; y++)
            {
                int sy = y + dy;
                var row = dst.Slice(y * width, width);
                if (sy < 0 || sy >= height)
                {
                    row.Fill(pad);
                    continue;
                }
                var srcRow = src.Slice(sy * width, width);
                for (int x = 0; x < width; x++)
                {
                    int sx = (mirror ? width - 1 - x : x) + dx;
                    row[x] = sx >= 0 && sx < width ? srcRow[sx] : pad;
                }
            }
        }
    }
}
