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

    /// <summary>The configuration in the space's own value types (a whole number read back from JSON for a real-valued
    /// domain becomes a double, and the reverse for integers), or null when it is not compatible: other parameter
    /// names, or a value outside its domain. Warm start imports only what this accepts.</summary>
    public static ParameterSet? Conform(this SearchSpace space, IReadOnlyDictionary<string, object> parameters)
    {
        if (parameters.Count != space.Parameters.Count)
        {
            return null;
        }

        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, domain) in space.Parameters)
        {
            if (!parameters.TryGetValue(name, out var raw))
            {
                return null;
            }

            if (Readings(raw).FirstOrDefault(domain.Contains) is not { } value)
            {
                return null;
            }

            values[name] = value;
        }

        return new ParameterSet(values);
    }

    /// <summary>The value as read, then as the other kind of number (JSON does not keep 8 and 8.0 apart).</summary>
    private static IEnumerable<object> Readings(object raw)
    {
        yield return raw;
        switch (raw)
        {
            case long l:
                yield return (double)l;
                break;
            case int i:
                yield return (double)i;
                break;
            case double d when d == Math.Floor(d) && Math.Abs(d) < 1e15:
                yield return (long)d;
                break;
        }
    }

    /// <summary>Equal after the widening ParameterSet applies (int to long, float to double).</summary>
    private static bool Same(object a, object b) => Widen(a).Equals(Widen(b));

    private static object Widen(object v) => v switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => v,
    };
}
