using System.Globalization;
using System.Text.RegularExpressions;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Ui;

namespace HyperSearch.Cli.Results;

/// <summary>One point of a search's Pareto front: a completed trial and its final objective values.</summary>
internal sealed record FrontPoint(TrialRecord Trial, IReadOnlyDictionary<string, double> Values);

/// <summary>The Pareto front of a multi-objective search, and picking from it by a user's constraint.</summary>
internal static partial class ParetoFront
{
    /// <summary>The completed trials no other completed trial dominates on their last epoch's objectives, best first by
    /// the first objective. Trials lacking a finite value for an objective cannot be placed and are left out.</summary>
    public static IReadOnlyList<FrontPoint> Of(IReadOnlyList<TrialRecord> trials, IReadOnlyList<ObjectiveSpec> objectives)
    {
        var first = objectives[0];
        return SearchFront.Place(trials, objectives)
            .Where(p => p.OnFront)
            .Select(p => new FrontPoint(p.Trial, p.Values))
            .OrderBy(p => first.Maximize ? -p.Values[first.Metric] : p.Values[first.Metric])
            .ThenBy(p => p.Trial.Number)
            .ToList();
    }

    /// <summary>The front point that meets every constraint and is best on the first objective; null when none does.</summary>
    public static FrontPoint? Pick(IReadOnlyList<FrontPoint> front, IReadOnlyList<FrontConstraint> rule) =>
        front.FirstOrDefault(p => rule.All(c => c.Holds(p)));

    /// <summary>Reads "params&lt;=200000" or several joined by commas or "and", e.g. "params&lt;=2e5, inference_ms_per_image&lt;0.5".</summary>
    public static IReadOnlyList<FrontConstraint> ParseRule(string text, IReadOnlyList<ObjectiveSpec> objectives)
    {
        var parts = AndSplitter().Split(text).Select(p => p.Trim()).Where(p => p.Length > 0).ToArray();
        if (parts.Length == 0)
        {
            throw new UsageException("--rule is empty; expected e.g. \"params<=200000\"");
        }

        return parts.Select(part =>
        {
            var match = ConstraintPattern().Match(part);
            if (!match.Success || !double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new UsageException($"--rule: cannot read '{part}'; expected METRIC OP NUMBER with OP one of <=, <, >=, >, == (e.g. params<=200000)");
            }

            var metric = match.Groups["metric"].Value;
            if (objectives.All(o => o.Metric != metric))
            {
                throw new UsageException($"--rule: '{metric}' is not an objective of this search (objectives: {string.Join(", ", objectives.Select(o => o.Metric))})");
            }

            return new FrontConstraint(metric, match.Groups["op"].Value, value);
        }).ToList();
    }

    [GeneratedRegex(@",|\band\b", RegexOptions.IgnoreCase)]
    private static partial Regex AndSplitter();

    [GeneratedRegex(@"^(?<metric>[A-Za-z_][\w]*)\s*(?<op><=|>=|==|<|>)\s*(?<value>\S+)$")]
    private static partial Regex ConstraintPattern();
}

/// <summary>One condition of a --rule: metric, comparison and bound.</summary>
internal sealed record FrontConstraint(string Metric, string Op, double Bound)
{
    public bool Holds(FrontPoint point)
    {
        var v = point.Values[Metric];
        return Op switch
        {
            "<=" => v <= Bound,
            "<" => v < Bound,
            ">=" => v >= Bound,
            ">" => v > Bound,
            _ => v == Bound,
        };
    }

    public override string ToString() => $"{Metric}{Op}{Bound.ToString(CultureInfo.InvariantCulture)}";
}
