namespace HyperSearch.Tuning.Space;

/// <summary>Whether a value lies inside a domain: for configurations that come from elsewhere (parents bred under an
/// older space, trials imported from an earlier search).</summary>
public static class DomainMembership
{
    public static bool Contains(this Domain domain, object value) => (domain, value) switch
    {
        (Choice c, _) => c.Values.Any(v => Same(v, value)),
        (IntRange r, long l) => l >= r.Low && l <= r.High,
        (IntRange r, int i) => i >= r.Low && i <= r.High,
        (Uniform u, double d) => d >= u.Low && d < u.High,
        (LogUniform l, double d) => d >= l.Low && d < l.High,
        (Fixed f, _) => Same(f.Value, value),
        _ => false,
    };

    /// <summary>True when the configuration names exactly the space's parameters and each value fits its domain.</summary>
    public static bool Fits(this SearchSpace space, ParameterSet parameters) =>
        parameters.Values.Count == space.Parameters.Count
        && space.Parameters.All(p => parameters.Values.TryGetValue(p.Key, out var v) && p.Value.Contains(v));

    /// <summary>Equal after the widening ParameterSet applies (int to long, float to double).</summary>
    private static bool Same(object a, object b) => Widen(a).Equals(Widen(b));

    private static object Widen(object v) => v switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => v,
    };
}
