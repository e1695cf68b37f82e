using System.Text.Json;
using System.Text.Json.Serialization;

namespace HyperSearch.Training;

/// <summary>
/// The description of an exported model (model.json beside weights.bin): the knob values that rebuild its
/// configuration, the input it expects, and the training split's normalization statistics that every input
/// must be normalized with. Evaluation reads these back instead of recomputing them.
/// </summary>
public sealed record ExportedModel(
    string Format,
    int Version,
    IReadOnlyDictionary<string, object> Config,
    string Architecture,
    long ParameterCount,
    int Seed,
    int EpochsTrained,
    ExportedDataset Dataset,
    NormalizationStats Normalization,
    string? SearchId,
    int? Trial,
    double? ValAccuracy)
{
    public const string FormatName = "hypersearch-model";
    public const int CurrentVersion = 1;
    public const string FileName = "model.json";
    public const string WeightsFileName = "weights.bin";

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public void Write(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, JsonOptions));

    public static ExportedModel Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no exported model here (expected {FileName} and {WeightsFileName})", path);
        ExportedModel? model;
        try
        {
            model = JsonSerializer.Deserialize<ExportedModel>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a readable model description ({e.Message})", e);
        }

        if (model is null || model.Format != FormatName) throw new InvalidDataException($"{path}: format is not '{FormatName}'");
        if (model.Version != CurrentVersion) throw new InvalidDataException($"{path}: version {model.Version}, expected {CurrentVersion}");
        if (model.Normalization.Mean.Count != model.Dataset.Channels || model.Normalization.Std.Count != model.Dataset.Channels)
            throw new InvalidDataException($"{path}: normalization has {model.Normalization.Mean.Count} mean(s) for {model.Dataset.Channels} channel(s)");
        return model with { Config = model.Config.ToDictionary(p => p.Key, p => Plain(p.Value), StringComparer.Ordinal) };
    }

    /// <summary>JSON values as the plain CLR values <see cref="Hyperparameters.Parse"/> accepts.</summary>
    public static object Plain(object value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.Number } e => e.TryGetInt64(out var l) ? l is >= int.MinValue and <= int.MaxValue ? (int)l : l : e.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        _ => value,
    };
}

/// <summary>Which data the model was trained on and the input shape it expects.</summary>
public sealed record ExportedDataset(string Name, string? Path, double ValidationFraction, int SplitSeed, int Channels, int Height, int Width, int Classes);
