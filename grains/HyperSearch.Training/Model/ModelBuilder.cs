namespace HyperSearch.Training;

/// <summary>
/// Shape arithmetic for a configuration on an input size: validation and parameter counts without any
/// tensor, so a CLI can reject a search space before anything starts.
/// </summary>
public static class ModelBuilder
{
    /// <summary>
    /// Throws <see cref="ConfigException"/> naming the layer (or knob) when the configuration cannot run
    /// on this input: a feature map that shrinks to nothing, or a training setting out of range.
    /// </summary>
    public static void Validate(TrialConfig c, DatasetInfo input) => Plan(c, input);

    /// <summary>Trainable parameters (weights, biases, batch-norm scale and shift) of the model for this input.</summary>
    public static long CountParameters(TrialConfig c, DatasetInfo input) => Plan(c, input).ParameterCount;

    /// <summary>
    /// Floating-point operations of one training step per image, counted the usual way as three forward
    /// passes (forward, input gradients, weight gradients); the seed model on 28×28×1 is ≈115.6 MFLOP.
    /// </summary>
    public static long TrainingFlopsPerImage(TrialConfig c, DatasetInfo input) => 3 * Plan(c, input).ForwardFlops;

    internal static ModelPlan Plan(TrialConfig c, DatasetInfo input)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Channels < 1 || input.Height < 1 || input.Width < 1)
            throw new ConfigException("dataset", $"input {input.Channels}×{input.Height}×{input.Width}: expected positive channels, height and width");
        if (input.Classes < 2)
            throw new ConfigException("dataset", $"{input.Classes} classes: expected at least 2");
        ValidateTraining(c);

        var convs = new List<ConvPlan>(c.ConvLayers.Count);
        int channels = input.Channels, h = input.Height, w = input.Width;
        long parameters = 0;
        for (int i = 0; i < c.ConvLayers.Count; i++)
        {
            var l = c.ConvLayers[i];
            string layer = $"conv{i + 1}";
            if (l.Filters < 1 || l.Kernel < 1 || l.Stride < 1 || l.Pool < 0)
                throw new ConfigException($"{layer}_filters", $"{layer}: filters {l.Filters}, kernel {l.Kernel}, stride {l.Stride}, pool {l.Pool}; expected positive values (pool ≥ 0)");
            var (padH, outH) = Axis(h, l);
            var (padW, outW) = Axis(w, l);
            if (outH < 1 || outW < 1)
                throw new ConfigException($"{layer}_kernel",
                    $"{layer}: feature map shrinks to {Math.Max(0, outH)}×{Math.Max(0, outW)} (input {h}×{w}, kernel {l.Kernel}, stride {l.Stride}, padding {Hyperparameters.Name(l.Padding)})");
            int pool = l.Pool > 1 ? l.Pool : 1;
            int pooledH = outH / pool, pooledW = outW / pool;
            if (pooledH < 1 || pooledW < 1)
                throw new ConfigException($"{layer}_pool",
                    $"{layer}: feature map shrinks to {pooledH}×{pooledW} after max-pool {pool} (input {outH}×{outW} after the convolution)");
            parameters += (long)channels * l.Filters * l.Kernel * l.Kernel + (c.BatchNorm ? 2L * l.Filters : l.Filters);
            convs.Add(new ConvPlan(channels, h, w, l.Filters, l.Kernel, l.Stride, padH, padW, pool, outH, outW));
            channels = l.Filters;
            h = pooledH;
            w = pooledW;
        }

        // Global average pooling leaves one value per channel, whatever the final map's size.
        long features = c.GlobalPool ? channels : (long)channels * h * w;
        if (features > int.MaxValue) throw new ConfigException("conv_layers", $"flattened feature map of {features} values is too large");
        var dense = new List<DensePlan>(c.DenseUnits.Count);
        long inputs = features;
        for (int i = 0; i < c.DenseUnits.Count; i++)
        {
            int units = c.DenseUnits[i];
            if (units < 1) throw new ConfigException($"dense{i + 1}_units", $"dense{i + 1}: {units} units; expected at least 1");
            parameters += inputs * units + units;
            dense.Add(new DensePlan((int)inputs, units));
            inputs = units;
        }
        parameters += inputs * input.Classes + input.Classes;
        return new ModelPlan(convs, dense, new DensePlan((int)inputs, input.Classes), (int)features, h, w, parameters);
    }

    // A TrialConfig built by hand skips Hyperparameters.Parse, so the same ranges are enforced here.
    private static void ValidateTraining(TrialConfig c)
    {
        static void Require(bool ok, string key, string message)
        {
            if (!ok) throw new ConfigException(key, $"{key}: {message}");
        }
        Require(c.BatchSize >= 1, "batch_size", $"{c.BatchSize}; expected at least 1");
        Require(c.Epochs >= 1, "epochs", $"{c.Epochs}; expected at least 1");
        Require(c.Dropout >= 0 && c.Dropout < 1, "dropout", $"{c.Dropout}; expected a value in [0, 1)");
        Require(c.LearningRate > 0 && double.IsFinite(c.LearningRate), "learning_rate", $"{c.LearningRate}; expected a positive finite value");
        Require(c.WeightDecay >= 0 && double.IsFinite(c.WeightDecay), "weight_decay", $"{c.WeightDecay}; expected a non-negative finite value");
        Require(c.Momentum >= 0 && c.Momentum < 1, "momentum", $"{c.Momentum}; expected a value in [0, 1)");
        Require(c.AugmentCropPadding >= 0, "augment_crop_padding", $"{c.AugmentCropPadding}; expected at least 0");
        Require(Hyperparameters.ChunksPerPass(c.EpochFraction) > 0, "epoch_fraction", $"{c.EpochFraction}; expected 1/K for a whole K ≥ 1");
    }

    // Output size and (before, after) padding of one spatial axis. "same" follows TensorFlow: the total
    // padding max((ceil(n/s) - 1)·s + k - n, 0) is split with the odd pixel after.
    private static ((int Before, int After) Pad, int Out) Axis(int n, ConvLayerConfig l)
    {
        if (l.Padding == PaddingMode.Valid)
            return ((0, 0), n >= l.Kernel ? (n - l.Kernel) / l.Stride + 1 : 0);
        int outSize = (n + l.Stride - 1) / l.Stride;
        int total = Math.Max((outSize - 1) * l.Stride + l.Kernel - n, 0);
        return ((total / 2, total - total / 2), outSize);
    }
}

internal sealed record ConvPlan(int InChannels, int InHeight, int InWidth, int Filters, int Kernel, int Stride, (int Before, int After) PadH, (int Before, int After) PadW, int Pool, int OutH, int OutW)
{
    public bool Padded => PadH != (0, 0) || PadW != (0, 0);
}

internal sealed record DensePlan(int Inputs, int Units);

internal sealed record ModelPlan(IReadOnlyList<ConvPlan> Convs, IReadOnlyList<DensePlan> Dense, DensePlan Output, int Features, int FinalHeight, int FinalWidth, long ParameterCount)
{
    /// <summary>Multiply-adds ×2 of one image's forward pass through the convolutions and dense layers (pooling, activations and bias ignored).</summary>
    public long ForwardFlops =>
        Convs.Sum(c => 2L * c.Kernel * c.Kernel * c.InChannels * c.Filters * c.OutH * c.OutW)
        + Dense.Append(Output).Sum(d => 2L * d.Inputs * d.Units);
}
