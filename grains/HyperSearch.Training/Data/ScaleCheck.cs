using System.Globalization;

namespace HyperSearch.Training;

/// <summary>
/// Refuses splits that were preprocessed differently from the training split (e.g. training scaled to
/// [0,1], test left in [0,255]): normalizing both with training statistics would silently feed the
/// model inputs hundreds of standard deviations off, and the test accuracy would mean nothing.
/// </summary>
internal static class ScaleCheck
{
    /// <summary>A ratio of value ranges or spreads beyond this is a different scale, not a different sample.</summary>
    public const double MaxFactor = 8;

    /// <summary>A mean this many training standard deviations away is a shifted preprocessing, not a sample effect.</summary>
    public const double MaxMeanShift = 8;

    public static void Verify(string split, string source, ChannelStats[] other, ChannelStats[] train, string trainSource)
    {
        for (int c = 0; c < train.Length; c++)
        {
            var (o, t) = (other[c], train[c]);
            if (o.Count == 0 || t.Count == 0) continue;
            string? how = null;
            if (t.Range > 0 && o.Range > 0 && Factor(o.Range, t.Range) > MaxFactor)
                how = $"its values span {Span(o)} but the training split's span {Span(t)}, a factor of {Factor(o.Range, t.Range):0.#}";
            else if (t.Std > 0 && o.Std > 0 && Factor(o.Std, t.Std) > MaxFactor)
                how = $"its standard deviation is {F(o.Std)} but the training split's is {F(t.Std)}, a factor of {Factor(o.Std, t.Std):0.#}";
            else if (t.Std > 0 && Math.Abs(o.Mean - t.Mean) / t.Std > MaxMeanShift)
                how = $"its mean is {F(o.Mean)} but the training split's is {F(t.Mean)} (std {F(t.Std)}), {Math.Abs(o.Mean - t.Mean) / t.Std:0.#} standard deviations apart";
            if (how is not null)
            {
                string channel = train.Length > 1 ? $" (channel {c})" : "";
                throw new PreprocessingMismatchException(split,
                    $"{split} split ({source}) disagrees in scale with the training split ({trainSource}){channel}: {how}. " +
                    "Preprocess every split the same way (e.g. all in [0,255] or all in [0,1]) before searching.");
            }
        }
    }

    private static double Factor(double a, double b) => Math.Max(a, b) / Math.Min(a, b);

    private static string Span(ChannelStats s) => $"[{F(s.Min)}, {F(s.Max)}]";

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
