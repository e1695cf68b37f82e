using HyperSearch.Randomness;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Space;

/// <summary>Uniform draws and grid enumeration for each kind of <see cref="Domain"/>.</summary>
public static class DomainSampling
{
    /// <summary>One value drawn uniformly from the domain (log-uniformly for log domains).</summary>
    public static object SampleUniform(this Domain domain, SeededRandom rng) => domain switch
    {
        Choice c => c.Values[rng.NextInt(c.Values.Count)],
        IntRange { Log: false } r => r.Low + rng.NextLong(r.High - r.Low + 1),
        // Log ints: uniform in log space over the cells [v-0.5, v+0.5], as Optuna does, then rounded.
        IntRange r => ClampRound(Math.Exp(Lerp(Math.Log(r.Low - 0.5), Math.Log(r.High + 0.5), rng.NextDouble())), r),
        Uniform u => BelowHigh(Lerp(u.Low, u.High, rng.NextDouble()), u.Low, u.High),
        LogUniform l => BelowHigh(Math.Exp(Lerp(Math.Log(l.Low), Math.Log(l.High), rng.NextDouble())), l.Low, l.High),
        Fixed f => f.Value,
        _ => throw new NotSupportedException($"unknown domain {domain.GetType().Name}"),
    };

    /// <summary>The values a grid visits, in order.</summary>
    /// <param name="domain">The domain.</param>
    /// <param name="gridPoints">For continuous domains: how many cell midpoints to use (0 rejects them).</param>
    /// <param name="name">The parameter name, for the error message.</param>
    public static IReadOnlyList<object> GridValues(this Domain domain, int gridPoints, string name) => domain switch
    {
        Choice c => c.Values,
        IntRange r when r.High - r.Low >= 10_000_000 =>
            throw new ArgumentException($"grid sampler: parameter '{name}' has {r.High - r.Low + 1} integer values; use a choice list"),
        IntRange r => Enumerable.Range(0, checked((int)(r.High - r.Low + 1))).Select(i => (object)(r.Low + i)).ToArray(),
        Fixed f => [f.Value],
        Uniform or LogUniform when gridPoints <= 0 =>
            throw new ArgumentException($"grid sampler: parameter '{name}' is continuous ({domain}); give it a choice list or set the grid_points option"),
        // Cell midpoints stay strictly inside [Low, High), which excludes High.
        Uniform u => Enumerable.Range(0, gridPoints).Select(i => (object)Lerp(u.Low, u.High, (i + 0.5) / gridPoints)).ToArray(),
        LogUniform l => Enumerable.Range(0, gridPoints)
            .Select(i => (object)Math.Exp(Lerp(Math.Log(l.Low), Math.Log(l.High), (i + 0.5) / gridPoints))).ToArray(),
        _ => throw new NotSupportedException($"unknown domain {domain.GetType().Name}"),
    };

    /// <summary>How many values a finite domain has; null for continuous ones.</summary>
    public static long? Cardinality(this Domain domain) => domain switch
    {
        Choice c => c.Values.Count,
        IntRange r => r.High - r.Low + 1,
        Fixed => 1,
        _ => null,
    };

    /// <summary>The number of configurations when every domain is finite (saturating at long.MaxValue); null otherwise.</summary>
    public static long? Size(this SearchSpace space)
    {
        long size = 1;
        foreach (var (_, domain) in space.Parameters)
        {
            if (domain.Cardinality() is not { } n)
            {
                return null;
            }

            size = n != 0 && size > long.MaxValue / n ? long.MaxValue : size * n;
        }

        return size;
    }

    /// <summary>A configuration drawn uniformly from the whole space.</summary>
    public static ParameterSet SampleUniform(this SearchSpace space, SeededRandom rng) =>
        new(space.Parameters.Select(p => KeyValuePair.Create(p.Key, p.Value.SampleUniform(rng))));

    internal static double Lerp(double low, double high, double t) => low + (high - low) * t;

    /// <summary>Keeps a rounding artefact from producing the excluded upper bound.</summary>
    internal static double BelowHigh(double value, double low, double high) =>
        value >= high ? Math.Max(low, Math.BitDecrement(high)) : Math.Max(value, low);

    internal static long ClampRound(double value, IntRange range) =>
        Math.Clamp((long)Math.Round(value, MidpointRounding.AwayFromZero), range.Low, range.High);
}
