namespace HyperSearch.Training;

/// <summary>Value statistics of one channel of one split: extremes, mean, standard deviation and robust percentiles
/// (NaN when unknown: then the extremes stand in).</summary>
internal readonly record struct ChannelStats(double Min, double Max, double Mean, double Std, long Count,
    double P1 = double.NaN, double P50 = double.NaN, double P99 = double.NaN, int Images = 0)
{
    public double Range => Max - Min;

    public double Low => double.IsNaN(P1) ? Min : P1;

    public double High => double.IsNaN(P99) ? Max : P99;

    /// <summary>The spread of the bulk of the values, immune to a few outlying pixels.</summary>
    public double RobustRange => High - Low;
}

/// <summary>Accumulates one channel's statistics: exact sums, a histogram for bytes (exact percentiles) and an evenly
/// strided sample for floats (percentiles within sampling error).</summary>
internal sealed class ChannelStatsAccumulator(int images, long expectedValues)
{
    private const int FloatSample = 200_000;

    private readonly long[] _histogram = new long[256];
    private readonly List<float> _sample = [];
    private readonly long _stride = Math.Max(1, expectedValues / FloatSample);
    private double min = double.PositiveInfinity, max = double.NegativeInfinity, sum, sumSquares;
    private long count, floats;

    public void Add(ReadOnlySpan<byte> values)
    {
        // Integer sums are exact and much faster than double accumulation for byte images.
        long s = 0, s2 = 0;
        byte lo = byte.MaxValue, hi = byte.MinValue;
        foreach (byte v in values)
        {
            s += v;
            s2 += v * v;
            _histogram[v]++;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        sum += s;
        sumSquares += s2;
        count += values.Length;
        if (values.Length > 0)
        {
            min = Math.Min(min, lo);
            max = Math.Max(max, hi);
        }
    }

    public void Add(ReadOnlySpan<float> values)
    {
        double s = 0, s2 = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            s += v;
            s2 += (double)v * v;
            if (v < min) min = v;
            if (v > max) max = v;
            if ((floats + i) % _stride == 0) _sample.Add(v);
        }
        floats += values.Length;
        sum += s;
        sumSquares += s2;
        count += values.Length;
    }

    public ChannelStats Result()
    {
        if (count == 0) return new ChannelStats(0, 0, 0, 0, 0);
        double mean = sum / count;
        double variance = Math.Max(0, sumSquares / count - mean * mean);
        var (p1, p50, p99) = floats > 0 ? SamplePercentiles() : HistogramPercentiles();
        return new ChannelStats(min, max, mean, Math.Sqrt(variance), count, p1, p50, p99, images);
    }

    private (double, double, double) HistogramPercentiles()
    {
        double At(double q)
        {
            long rank = (long)Math.Ceiling(q * count), seen = 0;
            for (int v = 0; v < 256; v++)
            {
                seen += _histogram[v];
                if (seen >= Math.Max(1, rank)) return v;
            }
            return 255;
        }
        return (At(0.01), At(0.5), At(0.99));
    }

    private (double, double, double) SamplePercentiles()
    {
        var sorted = _sample.ToArray();
        Array.Sort(sorted);
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (At(0.01), At(0.5), At(0.99));
    }
}
