using System.Text;
using System.Text.Json;

namespace HyperSearch.Runners;

public enum MetricsLineKind
{
    /// <summary>Empty or whitespace: skipped silently.</summary>
    Blank,
    /// <summary>A JSON object with an integer "epoch" and at least one numeric field.</summary>
    Epoch,
    /// <summary>A JSON object without "epoch" (a summary, or a test-mode result): its numeric fields only.</summary>
    Other,
    /// <summary>Anything else: not JSON, not an object, a bad "epoch". Reported, never fatal.</summary>
    Invalid,
}

/// <summary>One stdout line of a command trial, parsed.</summary>
/// <param name="Values">The numeric fields (without "epoch"); empty for Blank and Invalid.</param>
/// <param name="Problem">Why an Invalid line is not a metrics line.</param>
public sealed record MetricsLine(MetricsLineKind Kind, int Epoch, IReadOnlyDictionary<string, double> Values, string? Problem)
{
    public const string EpochField = "epoch";

    /// <summary>The longest metrics line read: a line of a few metrics is some hundred characters.</summary>
    public const int MaxChars = 64 * 1024;

    private static readonly IReadOnlyDictionary<string, double> NoValues = new Dictionary<string, double>();

    public EpochMetrics ToEpochMetrics() => new(Epoch, Values);

    /// <summary>Parses a line. Strings, booleans, nulls and nested values are skipped: only numbers are metrics.
    /// Python's json.dumps writes NaN and ±Infinity as bare words (invalid JSON); they are accepted as numbers,
    /// because a diverging trial's loss is exactly what the scheduler should see.</summary>
    public static MetricsLine Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return new MetricsLine(MetricsLineKind.Blank, 0, NoValues, null);
        }

        if (line.Length > MaxChars)
        {
            return Invalid($"longer than {MaxChars} characters");
        }

        if (!line.TrimStart().StartsWith('{'))
        {
            return Invalid("not a JSON object");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(QuoteNonFiniteNumbers(line));
        }
        catch (JsonException e)
        {
            return Invalid($"invalid JSON: {e.Message}");
        }

        using (document)
        {
            return FromObject(document.RootElement);
        }
    }

    private static MetricsLine FromObject(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("not a JSON object");
        }

        int? epoch = null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals(EpochField))
            {
                epoch = AsEpoch(property.Value);
                if (epoch is null)
                {
                    return Invalid($"\"epoch\" must be a non-negative integer, not {property.Value.GetRawText()}");
                }
            }
            else if (AsNumber(property.Value) is { } number)
            {
                values[property.Name] = number;
            }
        }

        if (epoch is null)
        {
            return new MetricsLine(MetricsLineKind.Other, 0, values, null);
        }

        return values.Count == 0
            ? Invalid("an epoch line with no numeric metrics")
            : new MetricsLine(MetricsLineKind.Epoch, epoch.Value, values, null);
    }

    private static int? AsEpoch(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        // Accept 3.0 as well as 3: Python code that counts in floats is common and harmless here.
        if (value.TryGetInt32(out var whole))
        {
            return whole >= 0 ? whole : null;
        }

        return value.TryGetDouble(out var d) && d >= 0 && d <= int.MaxValue && Math.Floor(d) == d ? (int)d : null;
    }

    private static double? AsNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetDouble(out var d) => d,
        JsonValueKind.String => value.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => null,
        },
        _ => null,
    };

    private static MetricsLine Invalid(string problem) => new(MetricsLineKind.Invalid, 0, NoValues, problem);

    /// <summary>Turns the bare words NaN, Infinity and -Infinity outside string literals into strings.</summary>
    private static string QuoteNonFiniteNumbers(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
        {
            return json;
        }

        var result = new StringBuilder(json.Length + 8);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                result.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    result.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                result.Append(c);
                continue;
            }

            var word = WordAt(json, i);
            if (word is not null)
            {
                result.Append('"').Append(word).Append('"');
                i += word.Length - 1;
                continue;
            }

            result.Append(c);
        }

        return result.ToString();
    }

    private static string? WordAt(string json, int i)
    {
        foreach (var word in (ReadOnlySpan<string>)["NaN", "Infinity", "-Infinity"])
        {
            if (string.CompareOrdinal(json, i, word, 0, word.Length) == 0
                && (i + word.Length == json.Length || !char.IsLetterOrDigit(json[i + word.Length])))
            {
                return word;
            }
        }

        return null;
    }
}
