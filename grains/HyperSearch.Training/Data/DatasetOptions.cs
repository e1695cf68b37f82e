namespace HyperSearch.Training;

/// <summary>
/// Which dataset to load and how to split it. <paramref name="Path"/> is a directory for the IDX and
/// CIFAR-10 binary formats (or the cifar-10-binary.tar.gz file), and the .npz file for "npz".
/// Exactly one of <paramref name="TrainSubset"/> (count) and <paramref name="TrainSubsetFraction"/> may
/// be set; either picks a stratified, seeded subset of the training split for low-fidelity trials.
/// <paramref name="AllowDistributionShift"/> turns a scale mismatch between splits from a refusal into a warning
/// (<see cref="PreparedDataset.Warnings"/>).
/// </summary>
public sealed record DatasetOptions(
    string Name,
    string? Path = null,
    double ValidationFraction = 0.1,
    int? TrainSubset = null,
    double? TrainSubsetFraction = null,
    int SplitSeed = 0,
    bool AllowDistributionShift = false);

/// <summary>Shape of one input image (channels × height × width) and the split sizes of the source files.</summary>
public sealed record DatasetInfo(int Channels, int Height, int Width, int Classes, int TrainCount, int TestCount);

/// <summary>Per-channel statistics of the training split, applied as (x - mean) / std to every split.</summary>
public sealed record NormalizationStats(IReadOnlyList<double> Mean, IReadOnlyList<double> Std);
