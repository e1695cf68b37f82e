using System.Globalization;
using System.Text.Json;

namespace HyperSearch.Bench.Training;

/// <summary>"--name value" and "--flag" options of the training benchmarks.</summary>
internal sealed class BenchArgs(string[] args)
{
    public bool Flag(string name) => args.Contains("--" + name);

    public string? Value(string name)
    {
        int i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public int? OptionalInt(string name) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    // JSON numbers become long or double, as the spec parser hands knob values over; --epochs fills a missing "epochs".
    public Dictionary<string, object> Knobs(string json, int epochs)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal) { ["epochs"] = (long)epochs };
        foreach (var p in JsonDocument.Parse(json).RootElement.EnumerateObject())
        {
            values[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.Number when p.Value.TryGetInt64(out var l) => l,
                JsonValueKind.Number => p.Value.GetDouble(),
                JsonValueKind.True or JsonValueKind.False => p.Value.GetBoolean(),
                _ => p.Value.GetString() ?? "",
            };
        }
        return values;
    }
}
