using System.Text;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// Writes a trained trial as a self-contained folder — model.json (configuration, input shape, training-split
/// normalization) and weights.bin (every parameter and buffer) — and scores such a folder on a test split
/// using only what the folder holds: the stored statistics are applied, never recomputed.
/// </summary>
public static class ModelExport
{
    private const string WeightsMagic = "HSMODEL";
    private const int WeightsVersion = 1;

    /// <summary>Exports the final model in <paramref name="checkpointDirectory"/>, trained with <paramref name="knobs"/> on <paramref name="dataset"/>.</summary>
    public static ExportedModel Export(string checkpointDirectory, IReadOnlyDictionary<string, object> knobs, DatasetOptions dataset, string outputDirectory,
        string? searchId = null, int? trial = null, double? valAccuracy = null)
    {
        ArgumentNullException.ThrowIfNull(knobs);
        ArgumentNullException.ThrowIfNull(dataset);
        TorchRuntime.Initialize();
        var config = Hyperparameters.Parse(knobs);
        var metadata = Checkpoint.ReadMetadata(checkpointDirectory)
            ?? throw new FileNotFoundException($"{Checkpoint.PathIn(checkpointDirectory)}: no checkpoint to export (was the final model kept?)");
        if (metadata.Config != TrialTrainer.Fingerprint(config))
            throw new InvalidOperationException($"{Checkpoint.PathIn(checkpointDirectory)} was written for a different configuration ({metadata.Config})");

        // The statistics the trial was trained with: those of the training split, as the dataset loader computes them.
        var data = DatasetCatalog.Load(dataset);
        using var session = new TrainingSession(config, data.Info, metadata.Seed, CPU, bf16: false);
        Checkpoint.Restore(checkpointDirectory, session, includeOptimizer: false);

        Directory.CreateDirectory(outputDirectory);
        var weights = Path.Combine(outputDirectory, ExportedModel.WeightsFileName);
        using (var file = File.Create(weights))
        using (var writer = new BinaryWriter(file, Encoding.UTF8))
        {
            writer.Write(WeightsMagic);
            writer.Write(WeightsVersion);
            TensorIO.WriteModule(writer, session.Model);
        }

        var info = data.Info;
        var model = new ExportedModel(
            ExportedModel.FormatName, ExportedModel.CurrentVersion,
            new SortedDictionary<string, object>(config.ToKnobs().ToDictionary(), StringComparer.Ordinal),
            config.ToString(), session.ParameterCount, metadata.Seed, metadata.Epoch,
            new ExportedDataset(data.Options.Name, data.Options.Path, data.Options.ValidationFraction, data.Options.SplitSeed, info.Channels, info.Height, info.Width, info.Classes),
            new NormalizationStats([.. data.Normalization.Mean], [.. data.Normalization.Std]),
            searchId, trial, valAccuracy);
        model.Write(outputDirectory);
        return model;
    }

    /// <summary>
    /// Test loss and accuracy of the model in <paramref name="modelDirectory"/> on the test split of
    /// <paramref name="dataset"/> (default: the dataset recorded in model.json), normalized with the stored statistics.
    /// Test images preprocessed unlike the model's training data (compared with the stored mean and std) are refused
    /// with <see cref="PreprocessingMismatchException"/>, unless <paramref name="allowDistributionShift"/>: then the
    /// mismatch comes back in <see cref="TestEvaluation.Warning"/>.
    /// </summary>
    public static TestEvaluation Evaluate(string modelDirectory, DatasetOptions? dataset = null, bool allowDistributionShift = false)
    {
        TorchRuntime.Initialize();
        var model = ExportedModel.Read(modelDirectory);
        var config = Hyperparameters.Parse(model.Config);
        var options = DatasetCatalog.Normalize(dataset ?? new DatasetOptions(model.Dataset.Name, model.Dataset.Path));
        var raw = options.Name switch
        {
            DatasetCatalog.FashionMnist or DatasetCatalog.Mnist => IdxDataset.Load(options.Name, options.Path!),
            DatasetCatalog.Cifar10 => CifarReader.Load(options.Path!),
            _ => NpzReader.Load(options.Path!),
        };
        var test = raw.Test;
        var d = model.Dataset;
        if (test.Channels != d.Channels || test.Height != d.Height || test.Width != d.Width)
            throw new DatasetException($"{test.Source}: images are {test.Channels}×{test.Height}×{test.Width}, the model expects {d.Channels}×{d.Height}×{d.Width}");
        if (raw.Classes != d.Classes)
            throw new DatasetException($"{test.Source}: {raw.Classes} classes, the model was trained on {d.Classes}");

        var stats = model.Normalization;
        var stored = stats.Mean.Zip(stats.Std, (m, s) => new ChannelStats(double.NaN, double.NaN, m, s, long.MaxValue)).ToArray();
        var mismatch = ScaleCheck.Find("test", test.Source, test.Statistics(), stored, $"the model's stored training statistics in {ExportedModel.FileName}");
        if (mismatch is not null && !allowDistributionShift)
            throw new PreprocessingMismatchException("test", mismatch);

        var info = new DatasetInfo(d.Channels, d.Height, d.Width, d.Classes, 0, test.Count);
        var scale = stats.Std.Select(s => (float)(1.0 / s)).ToArray();
        var shift = stats.Mean.Zip(stats.Std, (m, s) => (float)(-m / s)).ToArray();
        int pixels = test.PixelsPerImage;
        var images = new float[(long)test.Count * pixels];
        var labels = new int[test.Count];
        Parallel.For(0, test.Count, i =>
        {
            test.CopyAffine(i, images.AsSpan(i * pixels, pixels), scale, shift);
            labels[i] = test.Labels[i];
        });
        var empty = new SplitData("none", [], [], pixels);
        var prepared = new PreparedDataset(options, info, stats, [], empty, empty, new SplitData("test", images, labels, pixels));

        using var session = new TrainingSession(config, info, model.Seed, CPU, bf16: false);
        ReadWeights(Path.Combine(modelDirectory, ExportedModel.WeightsFileName), session);
        var (loss, accuracy) = TrialTrainer.Evaluate(session, prepared, prepared.Test, CancellationToken.None);
        return new TestEvaluation(loss, accuracy, test.Count) { Warning = mismatch };
    }

    private static void ReadWeights(string path, TrainingSession session)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the model's weights are missing", path);
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        try
        {
            if (reader.ReadString() != WeightsMagic) throw new InvalidDataException($"{path}: not a HyperSearch weights file");
            int version = reader.ReadInt32();
            if (version != WeightsVersion) throw new InvalidDataException($"{path}: weights format {version}, expected {WeightsVersion}");
            TensorIO.ReadModule(reader, session.Model);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: truncated weights file", e);
        }
    }
}
