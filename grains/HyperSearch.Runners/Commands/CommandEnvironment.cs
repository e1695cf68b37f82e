using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HyperSearch.Runners;

/// <summary>What a command trial is told: its parameters as a JSON file and as environment variables, and who it is.</summary>
public static class CommandEnvironment
{
    public const string ParamsFileName = "params.json";
    public const string ParamPrefix = "HYPERSEARCH_PARAM_";
    public const string ParamsFile = "HYPERSEARCH_PARAMS_FILE";
    public const string Trial = "HYPERSEARCH_TRIAL";
    public const string Attempt = "HYPERSEARCH_ATTEMPT";
    public const string SearchId = "HYPERSEARCH_SEARCH_ID";
    public const string CheckpointDir = "HYPERSEARCH_CHECKPOINT_DIR";
    public const string Resume = "HYPERSEARCH_RESUME";
    public const string Seed = "HYPERSEARCH_SEED";
    public const string Mode = "HYPERSEARCH_MODE";
    public const string TrainMode = "train";
    public const string TestMode = "test";

    /// <summary>Writes params.json into the trial's checkpoint directory and returns the variables to set.</summary>
    public static Dictionary<string, string> Prepare(WorkItem work, string mode)
    {
        Directory.CreateDirectory(work.CheckpointDirectory);
        var parameters = work.EffectiveParameters;
        var file = Path.GetFullPath(Path.Combine(work.CheckpointDirectory, ParamsFileName));
        WriteAtomically(file, ToJson(parameters));

        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ParamsFile] = file,
            [Trial] = Invariant(work.TrialNumber),
            [Attempt] = Invariant(work.LeaseToken),
            [SearchId] = work.SearchId,
            [CheckpointDir] = Path.GetFullPath(work.CheckpointDirectory),
            [Resume] = work.Resume ? "1" : "0",
            [Seed] = Invariant(SeedFor(work)),
            [Mode] = mode,
        };
        foreach (var (name, value) in parameters)
        {
            variables[VariableName(name)] = FormatValue(value);
        }

        // Python block-buffers a piped stdout, which would hold every epoch line back until exit and make early
        // stopping useless; unbuffered output is what a line protocol needs. An explicit setting still wins.
        if (Environment.GetEnvironmentVariable("PYTHONUNBUFFERED") is null)
        {
            variables["PYTHONUNBUFFERED"] = "1";
        }

        return variables;
    }

    /// <summary>The same derivation as the built-in trainer's: reproducible, and distinct per trial.</summary>
    public static int SeedFor(WorkItem work) => unchecked(work.Spec.Search.Seed * 1_000_003 + work.TrialNumber);

    /// <summary>HYPERSEARCH_PARAM_ plus the name upper-cased, with anything but letters, digits and _ made _.</summary>
    public static string VariableName(string parameter)
    {
        var name = new StringBuilder(ParamPrefix, ParamPrefix.Length + parameter.Length);
        foreach (var c in parameter)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.ToString();
    }

    /// <summary>Invariant culture, and lower-case booleans, so that values read the same as in params.json.</summary>
    public static string FormatValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    public static string ToJson(IReadOnlyDictionary<string, object> parameters)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                WriteValue(writer, name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case long or int or short or byte:
                writer.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal when Convert.ToDouble(value, CultureInfo.InvariantCulture) is var d && double.IsFinite(d):
                writer.WriteNumber(name, d);
                break;
            default:
                // Strings, and anything JSON has no number for (NaN, ±Infinity), as their invariant text.
                writer.WriteString(name, FormatValue(value));
                break;
        }
    }

    private static void WriteAtomically(string file, string content)
    {
        // A resumed attempt on another silo may read the shared directory while this one writes: never show half a file.
        var temp = $"{file}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, file, overwrite: true);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
