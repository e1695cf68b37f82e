using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace HyperSearch.Contracts.Trials;

/// <summary>One epoch's metric values: names and values in two arrays, in the order they were given.</summary>
/// <remarks>
/// A coordinator keeps every epoch of every trial it has run (20,000 trials of ten epochs are 200,000 of these),
/// and they live long enough for the collector to copy them twice. A <see cref="Dictionary{TKey,TValue}"/> costs
/// about 210 bytes for one value (the map, its entries and its buckets); this costs 64. Values built one after another
/// with the same names share one names array, and so do the epochs of one message once it is deserialized (the
/// serializer writes a shared object once).
/// </remarks>
[GenerateSerializer, Immutable, Alias("HyperSearch.MetricValues")]
public sealed class MetricValues : IReadOnlyDictionary<string, double>
{
    [ThreadStatic] private static string[]? _lastNames;

    [Id(0)] private readonly string[] _names;
    [Id(1)] private readonly double[] _values;

    private MetricValues(string[] names, double[] values)
    {
        _names = names;
        _values = values;
    }

    /// <summary>The values as a <see cref="MetricValues"/> (the same instance when they already are one).</summary>
    public static MetricValues From(IReadOnlyDictionary<string, double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values is MetricValues compact)
        {
            return compact;
        }

        var names = _lastNames;
        var sameNames = names is not null && names.Length == values.Count;
        var numbers = new double[values.Count];
        var i = 0;
        foreach (var (name, value) in values)
        {
            sameNames = sameNames && string.Equals(names![i], name, StringComparison.Ordinal);
            numbers[i++] = value;
        }

        if (!sameNames)
        {
            names = [.. values.Keys];
            _lastNames = names;
        }

        return new MetricValues(names!, numbers);
    }

    public int Count => _names.Length;

    public IEnumerable<string> Keys => _names;

    public IEnumerable<double> Values => _values;

    public double this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no metric named '{key}' in this epoch");

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out double value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _values[i] : default;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator()
    {
        for (var i = 0; i < _names.Length; i++)
        {
            yield return KeyValuePair.Create(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // A handful of names: a scan beats hashing (an ordinal compare checks for the same string first).
    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
