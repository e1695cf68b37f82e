using System.Globalization;
using System.Text.Json;

namespace HyperSearch.Tuning.Support;

/// <summary>Reads snake_case algorithm options, converting what a YAML or JSON spec may hand over, and rejects
/// unknown keys and bad values with a message that names the option.</summary>
internal sealed class OptionReader
{
    private readonly string _algorithm;
    private readonly Dictionary<string, object> _options;
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);

    public OptionReader(string algorithm, IReadOnlyDictionary<string, object>? options)
    {
        _algorithm = algorithm;
        _options = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in options ?? new Dictionary<string, object>())
        {
            if (!_options.TryAdd(key, value))
            {
                throw new ArgumentException($"{algorithm} option '{key}' is given twice");
            }
        }
    }

    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Raw(name) is not { } raw)
        {
            return fallback;
        }

        var d = ToDouble(name, raw);
        if (d != Math.Floor(d) || d < min || d > max)
        {
            throw Bad(name, raw, max == int.MaxValue ? $"an integer >= {min}" : $"an integer in [{min}, {max}]");
        }

        return (int)d;
    }

    public double Double(string name, double fallback, double min, double max, bool minExclusive = false)
    {
        if (Raw(name) is not { } raw)
        {
            return fallback;
        }

        var d = ToDouble(name, raw);
        if (double.IsNaN(d) || d > max || (minExclusive ? d <= min : d < min))
        {
            throw Bad(name, raw, $"a number in {(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
        }

        return d;
    }

    public bool Bool(string name, bool fallback) => Raw(name) switch
    {
        null => fallback,
        bool b => b,
        string s when bool.TryParse(s, out var b) => b,
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        var other => throw Bad(name, other, "true or false"),
    };

    /// <summary>Free text, e.g. a list of names separated by commas or spaces.</summary>
    public string Text(string name, string fallback) => Raw(name) switch
    {
        null => fallback,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? "",
        var other => throw Bad(name, other, "text"),
    };

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in its listed spelling.</summary>
    public string Word(string name, string fallback, params string[] allowed)
    {
        var raw = Raw(name);
        var text = raw switch
        {
            null => fallback,
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? "",
            _ => throw Bad(name, raw, $"one of {string.Join(", ", allowed)}"),
        };
        return allowed.FirstOrDefault(a => string.Equals(a, text.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw Bad(name, raw ?? text, $"one of {string.Join(", ", allowed)}");
    }

    /// <summary>Throws if the options hold a key no reader asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var key in _options.Keys)
        {
            if (!_known.Contains(key))
            {
                var known = _known.Count == 0 ? "none" : string.Join(", ", _known.Order(StringComparer.Ordinal));
                throw new ArgumentException($"unknown {_algorithm} option '{key}' (known options: {known})");
            }
        }
    }

    private object? Raw(string name)
    {
        _known.Add(name);
        return _options.TryGetValue(name, out var value) ? value : null;
    }

    private double ToDouble(string name, object raw) => raw switch
    {
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.String } e when double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw Bad(name, raw, "a number"),
    };

    private ArgumentException Bad(string name, object raw, string expected) =>
        new($"{_algorithm} option '{name}' must be {expected}, got '{Convert.ToString(raw, CultureInfo.InvariantCulture)}'");
}
