using System.Globalization;

namespace HyperSearch.Diagnostics;

/// <summary>
/// How much of the spread in the objective each parameter explains: the share of variance between groups of
/// trials with the same value (numeric parameters with many values are grouped into quantile bins), i.e. η².
/// A crude, model-free measure that needs no more than a handful of trials; 0 for a parameter that never varied.
/// </summary>
public static class ParameterImportance
{
    public const int MaxBins = 4;

    public static IReadOnlyList<(string Parameter, double Importance)> Compute(IReadOnlyList<(IReadOnlyDictionary<string, object> Parameters, double Objective)> trials)
    {
        var names = trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        if (trials.Count < 2)
        {
            return names.Select(n => (n, 0.0)).ToList();
        }

        var mean = trials.Average(t => t.Objective);
        var total = trials.Sum(t => (t.Objective - mean) * (t.Objective - mean));
        var result = new List<(string, double)>();
        foreach (var name in names)
        {
            var keys = GroupKeys(trials.Select(t => t.Parameters.TryGetValue(name, out var v) ? v : null).ToList());
            var between = trials.Select((t, i) => (Key: keys[i], t.Objective))
                .GroupBy(x => x.Key)
                .Sum(g => g.Count() * Math.Pow(g.Average(x => x.Objective) - mean, 2));
            result.Add((name, total > 1e-15 ? Math.Clamp(between / total, 0, 1) : 0));
        }

        return result.OrderByDescending(r => r.Item2).ThenBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    /// <summary>The η² of each parameter scaled to shares that sum to 1, or why there are none: the η² overlap when
    /// parameters vary together, so only their relative sizes mean something.</summary>
    public static (IReadOnlyList<(string Parameter, double Importance)> Shares, string? WhyNot) Shares(
        IReadOnlyList<(IReadOnlyDictionary<string, object> Parameters, double Objective)> trials)
    {
        if (trials.Count < 2)
        {
            return ([], $"{trials.Count} trial(s) with a finite objective; at least 2 are needed");
        }

        var raw = Compute(trials);
        var sum = raw.Sum(r => r.Importance);
        if (raw.Count == 0)
        {
            return ([], "no parameter was searched");
        }

        if (sum <= 1e-12)
        {
            return ([], "the objective did not vary with any parameter (all trials scored the same, or no parameter varied)");
        }

        return (raw.Select(r => (r.Parameter, r.Importance / sum)).ToList(), null);
    }

    /// <summary>A group per distinct value, or per quantile bin when a numeric parameter has more than <see cref="MaxBins"/> values.</summary>
    private static string[] GroupKeys(IReadOnlyList<object?> values)
    {
        var numbers = values.Select(AsNumber).ToList();
        var distinct = values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").Distinct().Count();
        if (distinct <= MaxBins || numbers.Any(n => n is null))
        {
            return values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray();
        }

        var sorted = numbers.Select(n => n!.Value).Order().ToArray();
        var edges = Enumerable.Range(1, MaxBins - 1).Select(q => sorted[(int)Math.Floor(q * (sorted.Length - 1) / (double)MaxBins)]).ToArray();
        return numbers.Select(n => edges.Count(e => n!.Value > e).ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    public static double? AsNumber(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        decimal m => (double)m,
        _ => null,
    };
}
