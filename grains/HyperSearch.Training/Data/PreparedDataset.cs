namespace HyperSearch.Training;

/// <summary>
/// A dataset split into training / validation / test and normalized with training-split statistics.
/// Immutable and shared read-only by every trial in the process (see <see cref="DatasetCatalog.Load"/>).
/// The test split is only read by <see cref="TrialTrainer.EvaluateTest"/>.
/// </summary>
public sealed class PreparedDataset
{
    internal PreparedDataset(DatasetOptions options, DatasetInfo info, NormalizationStats normalization, IReadOnlyList<string> warnings, SplitData train, SplitData validation, SplitData test)
    {
        Warnings = warnings;
        Options = options;
        Info = info;
        Normalization = normalization;
        Train = train;
        Validation = validation;
        Test = test;
    }

    /// <summary>The options this dataset was loaded with (path resolved to a full path).</summary>
    public DatasetOptions Options { get; }

    /// <summary>Image shape, class count and the sizes of the source files' train and test sets.</summary>
    public DatasetInfo Info { get; }

    /// <summary>Per-channel mean/std of the training split (before any subset), applied to every split.</summary>
    public NormalizationStats Normalization { get; }

    /// <summary>What was let through (a distribution shift allowed by <see cref="DatasetOptions.AllowDistributionShift"/>); empty normally.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Images trained on: the training split, or its subset when one was asked for.</summary>
    public int TrainCount => Train.Count;

    public int ValidationCount => Validation.Count;

    public int TestCount => Test.Count;

    internal SplitData Train { get; }
    internal SplitData Validation { get; }
    internal SplitData Test { get; }

    public override string ToString() =>
        $"{Options.Name}: {Info.Channels}×{Info.Height}×{Info.Width}, {Info.Classes} classes, train {TrainCount}, validation {ValidationCount}, test {TestCount}";
}

/// <summary>One split, normalized, NCHW float32, with labels as class indices.</summary>
internal sealed class SplitData(string name, float[] images, int[] labels, int pixelsPerImage)
{
    public string Name { get; } = name;
    public float[] Images { get; } = images;
    public int[] Labels { get; } = labels;
    public int PixelsPerImage { get; } = pixelsPerImage;
    public int Count => Labels.Length;

    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(index * PixelsPerImage, PixelsPerImage);
}
