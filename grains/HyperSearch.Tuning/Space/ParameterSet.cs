namespace HyperSearch.Tuning.Space;

/// <summary>One configuration: parameter name to value (long, double, string or bool).</summary>
/// <remarks>Equality is by content, so "already tried" checks are a set lookup.</remarks>
public sealed class ParameterSet : IEquatable<ParameterSet>
{
    private readonly SortedDictionary<string, object> _values;
    private string? _key; // immutable values: computed once (samplers compare every trial's key on every suggestion)

    public ParameterSet(IEnumerable<KeyValuePair<string, object>> values)
    {
        _values = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            _values[name] = Normalize(value);
        }
    }

    public IReadOnlyDictionary<string, object> Values => _values;

    public object this[string name] => _values[name];

    /// <summary>A stable text key, e.g. for de-duplication across restarts.</summary>
    public string Key => _key ??= string.Join(";", _values.Select(kv => $"{kv.Key}={Format(kv.Value)}"));

    public bool Equals(ParameterSet? other) => other is not null && Key == other.Key;

    public override bool Equals(object? obj) => Equals(obj as ParameterSet);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;

    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        long or double or string or bool => value,
        _ => throw new ArgumentException($"parameter values must be long, double, string or bool, not {value.GetType().Name}"),
    };

    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };
}
