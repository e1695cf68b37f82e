using System.Globalization;

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
}
