using System.Globalization;

namespace HyperSearch.Training;

/// <summary>
/// Refuses splits that were preprocessed differently from the training split: training scaled to [0,1] and test left
/// in [0,255], but also the mild forms — a factor of 2 ([-1,1] against [0,1]), a shift, z-scored against [0,1].
/// Normalizing both with training statistics would silently feed the model inputs it never saw, and the validation or
/// test accuracy would mean nothing.
/// </summary>
/// <remarks>
/// Per channel it compares the standard deviation, the mean, and the 1st and 99th percentiles (robust to a few odd
/// pixels) against the training split's. Random splits of the same data differ by a percent or so in each; the limits
/// below are ten times that, plus an allowance of 3/√images for small splits whose statistics are noisier.
/// Any preprocessing difference that matters to a classifier moves at least one of them by far more.
/// </remarks>
internal static class ScaleCheck
{
    /// <summary>A ratio of spreads above this (plus the small-split allowance) is a different scale.</summary>
    public const double MaxSpreadRatio = 1.25;

    /// <summary>A mean this many training standard deviations away (plus the allowance) is a shifted preprocessing.</summary>
    public const double MaxMeanShift = 0.2;

    /// <summary>A 1st or 99th percentile this far away, as a fraction of the training split's 1–99 % range (plus the allowance).</summary>
    public const double MaxPercentileShift = 0.1;

    /// <summary>Throws <see cref="PreprocessingMismatchException"/> on a mismatch.</summary>
    public static void Verify(string split, string source, ChannelStats[] other, ChannelStats[] train, string trainSource)
    {
        if (Find(split, source, other, train, trainSource) is { } message)
            throw new PreprocessingMismatchException(split, message);
    }

    /// <summary>The mismatch message, or null when the split agrees with the training split.</summary>
    public static string? Find(string split, string source, ChannelStats[] other, ChannelStats[] train, string trainSource)
    {
        for (int c = 0; c < train.Length; c++)
        {
            var (o, t) = (other[c], train[c]);
            if (o.Count == 0 || t.Count == 0) continue;
            double allowance = 3 / Math.Sqrt(Math.Max(1, o.Images > 0 ? o.Images : 1_000_000));
            double range = t.RobustRange > 0 ? t.RobustRange : t.Range;
            string? how = null;
            if (t.Std > 0 && o.Std > 0 && Factor(o.Std, t.Std) > MaxSpreadRatio + allowance)
                how = $"its standard deviation is {Rounded(o.Std)} but the training split's is {Rounded(t.Std)}, a factor of {Factor(o.Std, t.Std):0.##}";
            else if ((t.Std == 0) != (o.Std == 0))
                how = $"its standard deviation is {Rounded(o.Std)} but the training split's is {Rounded(t.Std)}";
            else if (t.Std > 0 && Math.Abs(o.Mean - t.Mean) / t.Std > MaxMeanShift + allowance)
                how = $"its mean is {Rounded(o.Mean)} but the training split's is {Rounded(t.Mean)} (std {Rounded(t.Std)}), {Math.Abs(o.Mean - t.Mean) / t.Std:0.##} standard deviations apart";
            else if (range > 0 && Math.Max(Math.Abs(o.Low - t.Low), Math.Abs(o.High - t.High)) / range > MaxPercentileShift + allowance)
                how = $"its values span {Span(o)} (1st–99th percentile) but the training split's span {Span(t)}";
            if (how is not null)
            {
                string channel = train.Length > 1 ? $" (channel {c})" : "";
                return $"{split} split ({source}) disagrees in scale with the training split ({trainSource}){channel}: {how}. " +
                       "Preprocess every split the same way (e.g. all in [0,255] or all in [0,1]) before searching, " +
                       "or set dataset.allow_distribution_shift: true if the splits really differ.";
            }
        }
        return null;
    }

    private static double Factor(double a, double b) => Math.Max(a, b) / Math.Min(a, b);

    private static string Span(ChannelStats s) => $"[{Rounded(s.Low)}, {Rounded(s.High)}]";

    private static string Rounded(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
