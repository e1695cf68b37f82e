namespace HyperSearch.Contracts.Trials;

/// <summary>What a trial reports after one epoch. Values uses the well-known names below; command trials may add more.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.EpochMetrics")]
public sealed record EpochMetrics(
    [property: Id(0)] int Epoch,
    IReadOnlyDictionary<string, double> Values)
{
    /// <summary>Kept as <see cref="MetricValues"/> (a coordinator holds every epoch of every trial); read as any map.
    /// The declared type stays a map, so state written before this was compact still reads.</summary>
    [Id(1)] public IReadOnlyDictionary<string, double> Values { get; init; } = MetricValues.From(Values);

    public const string TrainLoss = "train_loss";
    public const string TrainAccuracy = "train_accuracy";
    public const string ValLoss = "val_loss";
    public const string ValAccuracy = "val_accuracy";
    public const string EpochSeconds = "epoch_seconds";
    public const string ImagesPerSecond = "images_per_s";

    /// <summary>The model's parameter count (the same every epoch), reported so it can be an objective.</summary>
    public const string Params = "params";

    /// <summary>Milliseconds per image of the epoch's validation pass (inference only).</summary>
    public const string InferenceMsPerImage = "inference_ms_per_image";

    public double? Get(string name) => Values.TryGetValue(name, out var v) ? v : null;
}
