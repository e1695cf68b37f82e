using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Samplers.Tpe;

/// <summary>One non-fixed parameter as the Parzen estimators see it: a category index, or a real coordinate
/// (log-transformed for log domains) on [Low, High].</summary>
/// <remarks>Integers live on [low-0.5, high+0.5] and own the cell around each value, as in Optuna, so that
/// the end values are as likely as the inner ones.</remarks>
internal sealed class TpeDimension
{
    public TpeDimension(string name, Domain domain)
    {
        Name = name;
        Domain = domain;
        switch (domain)
        {
            case Choice { Values.Count: 0 }:
                throw new ArgumentException($"parameter '{name}' has an empty choice list");
            case Uniform { Low: var lo, High: var hi } when !(lo < hi):
            case LogUniform { Low: var llo, High: var lhi } when !(llo > 0 && llo < lhi):
            case IntRange { Low: var ilo, High: var ihi } when ilo > ihi:
                throw new ArgumentException($"parameter '{name}': low must be below high (and positive for log domains): {domain}");
            case Choice c:
                Categories = c.Values.Count;
                _normalizedChoices = c.Values.Select(Normalize).ToArray();
                break;
            case Uniform u:
                (Low, High) = (u.Low, u.High);
                break;
            case LogUniform l:
                (Low, High, IsLog) = (Math.Log(l.Low), Math.Log(l.High), true);
                break;
            case IntRange { Log: false } r:
                (Low, High, IsInt) = (r.Low - 0.5, r.High + 0.5, true);
                break;
            case IntRange { Low: < 1 } r:
                throw new ArgumentException($"parameter '{name}': a log integer range needs low >= 1, got {r.Low}");
            case IntRange r:
                (Low, High, IsInt, IsLog) = (Math.Log(r.Low - 0.5), Math.Log(r.High + 0.5), true, true);
                break;
            default:
                throw new ArgumentException($"TPE cannot model parameter '{name}' ({domain})");
        }
    }

    private readonly object[]? _normalizedChoices;

    public string Name { get; }

    public Domain Domain { get; }

    /// <summary>Number of categories for a choice; 0 for numeric dimensions.</summary>
    public int Categories { get; }

    public bool IsCategorical => Categories > 0;

    public bool IsInt { get; }

    public bool IsLog { get; }

    public double Low { get; }

    public double High { get; }

    /// <summary>The value's coordinate, or null when it does not belong to this domain (e.g. the space changed).</summary>
    public double? Encode(object value)
    {
        if (IsCategorical)
        {
            var v = Normalize(value);
            var index = Array.FindIndex(_normalizedChoices!, c => c.Equals(v));
            return index >= 0 ? index : null;
        }

        double x;
        switch (value)
        {
            case long l: x = l; break;
            case int i: x = i; break;
            case double d when !IsInt: x = d; break;
            default: return null;
        }

        if (IsLog)
        {
            if (x <= 0)
            {
                return null;
            }

            x = Math.Log(x);
        }

        return x >= Low && x <= High ? x : null;
    }

    /// <summary>The parameter value at coordinate <paramref name="x"/>.</summary>
    public object Decode(double x) => Domain switch
    {
        Choice c => c.Values[Math.Clamp((int)x, 0, Categories - 1)],
        Uniform u => DomainSampling.BelowHigh(x, u.Low, u.High),
        LogUniform l => DomainSampling.BelowHigh(Math.Exp(x), l.Low, l.High),
        IntRange r => DomainSampling.ClampRound(IsLog ? Math.Exp(x) : x, r),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>For integers: the coordinate interval owned by the value that <paramref name="x"/> rounds to.</summary>
    public (double Lo, double Hi) Cell(double x)
    {
        var v = (long)Decode(x);
        return IsLog
            ? (Math.Max(Low, Math.Log(v - 0.5)), Math.Min(High, Math.Log(v + 0.5)))
            : (Math.Max(Low, v - 0.5), Math.Min(High, v + 0.5));
    }

    /// <summary>The same normalization <see cref="ParameterSet"/> applies, so 32 and 32L match.</summary>
    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };
}
