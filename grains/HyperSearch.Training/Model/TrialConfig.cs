namespace HyperSearch.Training;

public enum ActivationKind { Relu, Elu, LeakyRelu, Gelu, Tanh }

/// <summary>Weight initialisation with Keras semantics; biases always start at zero.</summary>
public enum InitKind { HeNormal, GlorotUniform, HeUniform, GlorotNormal }

public enum OptimizerKind { Adam, Sgd, AdamW }

/// <summary>Valid = no padding; Same = Keras/TensorFlow "same" (output = ceil(input / stride), extra padding on the bottom/right).</summary>
public enum PaddingMode { Valid, Same }

/// <summary>How the learning rate moves over a trial's planned training steps (per batch).</summary>
/// <remarks>Cosine: lr·½(1 + cos πt). OneCycle: PyTorch's OneCycleLR with cosine annealing, no momentum cycling:
/// from lr/25 up to lr over the first 30 % of the steps, then down to lr/250000.</remarks>
public enum LrSchedule { Constant, Cosine, OneCycle }

/// <summary>One convolution block: conv (filters × kernel², stride, padding) → [batch norm] → activation → [max-pool].</summary>
/// <param name="Pool">Max-pool size and stride; 0 or 1 means no pooling.</param>
public sealed record ConvLayerConfig(int Filters, int Kernel, int Stride = 1, PaddingMode Padding = PaddingMode.Valid, int Pool = 2);

/// <summary>
/// Everything one trial trains with: architecture, optimizer and schedule. Immutable; equality compares
/// the layer lists element by element. Build one with <see cref="Hyperparameters.Parse"/> or from
/// <see cref="Seed"/> with a `with` expression.
/// </summary>
public sealed record TrialConfig(
    IReadOnlyList<ConvLayerConfig> ConvLayers,
    IReadOnlyList<int> DenseUnits,
    bool BatchNorm = false,
    ActivationKind Activation = ActivationKind.Relu,
    double Dropout = 0.4,
    InitKind Init = InitKind.HeNormal,
    OptimizerKind Optimizer = OptimizerKind.Adam,
    double LearningRate = 1e-3,
    double WeightDecay = 0,
    double Momentum = 0.9,
    int BatchSize = 256,
    int Epochs = 3,
    bool AugmentFlip = false,
    int AugmentCropPadding = 0,
    bool GlobalPool = false,
    LrSchedule LrSchedule = LrSchedule.Constant,
    double EpochFraction = 1,
    bool Bf16 = false)
{
    /// <summary>The seed model: Conv 64@3×3 → MaxPool 2 → Conv 256@2×2 → MaxPool 2 → Dense 1024 → Dropout 0.4 → Dense (classes); Adam 1e-3, batch 256, 3 epochs.</summary>
    public static TrialConfig Seed { get; } = new([new ConvLayerConfig(64, 3), new ConvLayerConfig(256, 2)], [1024]);

    /// <summary>The knob values that <see cref="Hyperparameters.Parse"/> turns back into this configuration.</summary>
    public IReadOnlyDictionary<string, object> ToKnobs() => Hyperparameters.ToKnobs(this);

    public bool Equals(TrialConfig? other) =>
        other is not null
        && ConvLayers.SequenceEqual(other.ConvLayers)
        && DenseUnits.SequenceEqual(other.DenseUnits)
        && (BatchNorm, Activation, Dropout, Init, Optimizer, LearningRate, WeightDecay, Momentum, BatchSize, Epochs, AugmentFlip, AugmentCropPadding)
            .Equals((other.BatchNorm, other.Activation, other.Dropout, other.Init, other.Optimizer, other.LearningRate, other.WeightDecay, other.Momentum, other.BatchSize, other.Epochs, other.AugmentFlip, other.AugmentCropPadding))
        && (GlobalPool, LrSchedule, EpochFraction, Bf16).Equals((other.GlobalPool, other.LrSchedule, other.EpochFraction, other.Bf16));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var layer in ConvLayers) hash.Add(layer);
        foreach (var units in DenseUnits) hash.Add(units);
        hash.Add((BatchNorm, Activation, Dropout, Init, Optimizer, LearningRate, WeightDecay, Momentum, BatchSize, Epochs, AugmentFlip, AugmentCropPadding));
        hash.Add((GlobalPool, LrSchedule, EpochFraction, Bf16));
        return hash.ToHashCode();
    }

    public override string ToString() =>
        string.Join(" → ", ConvLayers.Select(l => $"Conv {l.Filters}@{l.Kernel}×{l.Kernel}" + (l.Stride > 1 ? $"/{l.Stride}" : "") + (l.Padding == PaddingMode.Same ? " same" : "") + (l.Pool > 1 ? $" → MaxPool {l.Pool}" : ""))
            .Concat(GlobalPool ? ["GlobalAvgPool"] : [])
            .Concat(DenseUnits.Select(u => $"Dense {u}" + (Dropout > 0 ? $" → Dropout {Dropout:0.###}" : "")))
            .Append("Dense (classes)"))
        + $"; {Activation}{(BatchNorm ? ", batch norm" : "")}, {Init}, {Optimizer} lr {LearningRate:G3}{(WeightDecay > 0 ? $" wd {WeightDecay:G3}" : "")}, batch {BatchSize}, {Epochs} epochs"
        + (LrSchedule != LrSchedule.Constant ? $", {Hyperparameters.Name(LrSchedule)} lr" : "")
        + (EpochFraction < 1 ? $" of {EpochFraction:0.###} of the training split" : "")
        + (Bf16 ? ", bf16" : "");
}
