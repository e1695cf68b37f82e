namespace HyperSearch.Contracts.Trials;

/// <summary>What a trial reports after one epoch. Values uses the well-known names below; command trials may add more.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.EpochMetrics")]
public sealed record EpochMetrics(
    [property: Id(0)] int Epoch,
    [property: Id(1)] IReadOnlyDictionary<string, double> Values)
{
    public const string TrainLoss = "train_loss";
    public const string TrainAccuracy = "train_accuracy";
    public const string ValLoss = "val_loss";
    public const string ValAccuracy = "val_accuracy";
    public const string EpochSeconds = "epoch_seconds";
    public const string ImagesPerSecond = "images_per_s";

    public double? Get(string name) => Values.TryGetValue(name, out var v) ? v : null;
}
