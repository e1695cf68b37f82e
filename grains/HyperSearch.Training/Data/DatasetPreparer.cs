namespace HyperSearch.Training;

/// <summary>Turns decoded source splits into the normalized training / validation / test splits.</summary>
internal static class DatasetPreparer
{
    // Decorrelates the subset draw from the validation draw made with the same SplitSeed.
    private const int SubsetSeedSalt = 0x5bd1e995;

    public static PreparedDataset Prepare(DatasetOptions options, RawDataset raw)
    {
        var source = raw.Train;
        int classes = raw.Classes;
        var all = Enumerable.Range(0, source.Count).ToArray();
        int validationCount = (int)Math.Round(source.Count * options.ValidationFraction);
        var (validation, training) = Stratified.Take(all, source.Labels, classes, validationCount, options.SplitSeed);
        if (training.Length == 0)
            throw new DatasetException($"{source.Source}: {source.Count} training images leave none for training after a validation fraction of {options.ValidationFraction}");

        LabelCheck.Verify(raw);
        var trainStats = source.Statistics(training);
        var warnings = new List<string>();
        foreach (var (split, splitSource, stats) in new[]
                 {
                     ("validation", source.Source, source.Statistics(validation)),
                     ("test", raw.Test.Source, raw.Test.Statistics()),
                 })
        {
            if (ScaleCheck.Find(split, splitSource, stats, trainStats, source.Source) is not { } mismatch)
                continue;
            if (!options.AllowDistributionShift)
                throw new PreprocessingMismatchException(split, mismatch);
            warnings.Add($"distribution shift allowed (dataset.allow_distribution_shift): {mismatch}");
        }

        int subset = SubsetSize(options, training.Length);
        var trained = subset < training.Length
            ? Stratified.Take(training, source.Labels, classes, subset, options.SplitSeed ^ SubsetSeedSalt).Taken
            : training;

        var mean = trainStats.Select(s => s.Mean).ToArray();
        // A constant channel (std 0) is only shifted, never divided by zero.
        var std = trainStats.Select(s => s.Std > 1e-12 ? s.Std : 1.0).ToArray();
        var scale = std.Select(s => (float)(1.0 / s)).ToArray();
        var shift = mean.Zip(std, (m, s) => (float)(-m / s)).ToArray();

        var info = new DatasetInfo(source.Channels, source.Height, source.Width, classes, source.Count, raw.Test.Count);
        return new PreparedDataset(options, info, new NormalizationStats(mean, std), warnings,
            Normalize("train", source, trained, scale, shift),
            Normalize("validation", source, validation, scale, shift),
            Normalize("test", raw.Test, Enumerable.Range(0, raw.Test.Count).ToArray(), scale, shift));
    }

    /// <summary>How many training images a trial sees; a subset larger than the training split is refused (it would
    /// silently train on less than asked).</summary>
    internal static int SubsetSize(DatasetOptions options, int available)
    {
        if (options.TrainSubset is { } count)
        {
            return count <= available ? count : throw new DatasetException(
                $"dataset '{options.Name}': train_subset {count} is larger than the {available} training images left after the validation split; expected at most {available}");
        }

        if (options.TrainSubsetFraction is { } fraction) return Math.Clamp((int)Math.Round(available * fraction), 1, available);
        return available;
    }

    private static SplitData Normalize(string name, RawImages source, int[] indices, float[] scale, float[] shift)
    {
        int pixels = source.PixelsPerImage;
        var images = new float[(long)indices.Length * pixels];
        var labels = new int[indices.Length];
        Parallel.For(0, indices.Length, i =>
        {
            source.CopyAffine(indices[i], images.AsSpan(i * pixels, pixels), scale, shift);
            labels[i] = source.Labels[indices[i]];
        });
        return new SplitData(name, images, labels, pixels);
    }
}
