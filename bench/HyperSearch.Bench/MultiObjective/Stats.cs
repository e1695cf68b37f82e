using System.Text.Json.Nodes;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>Quantiles and ratios for the benchmark's table and JSON line.</summary>
internal static class Stats
{
    public static double Quantile(double[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    public static double? Ratio(Dictionary<string, double> medians, string ours, string theirs) =>
        medians.TryGetValue(ours, out var a) && medians.TryGetValue(theirs, out var b) && b > 0 && double.IsFinite(a) ? a / b : null;

    /// <summary>JSON has no NaN: a missing figure is null.</summary>
    public static JsonNode? Json(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;
}
