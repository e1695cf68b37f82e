using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace HyperSearch.Training;

/// <summary>
/// The CNN a <see cref="TrialConfig"/> describes: conv blocks, flatten, hidden dense layers with dropout,
/// and the output layer (logits). Built from a <see cref="ModelPlan"/> so its shapes are the ones
/// <see cref="ModelBuilder.Validate"/> checked.
/// </summary>
internal sealed class CnnModel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ConvBlock> convs;
    private readonly ModuleList<DenseBlock> dense;
    private readonly DenseBlock output;
    private readonly bool globalPool;

    /// <param name="convTypes">Element type of each conv block's weights (and of its computation); null = all float32.</param>
    /// <param name="denseType">Element type of the dense layers.</param>
    public CnnModel(ModelPlan plan, TrialConfig config, Generator? dropoutGenerator, bool channelsLast,
        IReadOnlyList<ScalarType>? convTypes = null, ScalarType denseType = ScalarType.Float32) : base("cnn")
    {
        convs = nn.ModuleList(plan.Convs.Select((p, i) => new ConvBlock(p, config.BatchNorm, config.Activation, channelsLast, convTypes?[i] ?? ScalarType.Float32)).ToArray());
        dense = nn.ModuleList(plan.Dense.Select(p => new DenseBlock(p, config.Activation, config.Dropout, dropoutGenerator, denseType)).ToArray());
        output = new DenseBlock(plan.Output, activation: null, dropout: 0, generator: null, denseType);
        globalPool = config.GlobalPool;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var block in convs) x = block.forward(x);
        // Flatten in NHWC order (Keras' order): a free view when the maps are channels-last.
        x = globalPool ? x.mean([2, 3]) : x.permute(0, 2, 3, 1).flatten(1);
        foreach (var block in dense) x = block.forward(x);
        return output.forward(x);
    }

    /// <summary>Applies the initialisation scheme to every weight (biases zero, batch norm 1/0) using <paramref name="generator"/>.</summary>
    public void Initialize(InitKind init, Generator generator)
    {
        using var _ = no_grad();
        foreach (var block in convs) block.Initialize(init, generator);
        foreach (var block in dense) block.Initialize(init, generator);
        output.Initialize(init, generator);
    }

    /// <summary>
    /// Keras VarianceScaling: the normal variants draw from a normal truncated at ±2σ' with σ' = σ / 0.8796,
    /// so the result has std σ (σ² = 2/fan_in for He, 2/(fan_in + fan_out) for Glorot); the uniform ones
    /// from U(±sqrt(6/fan_in)) or U(±sqrt(6/(fan_in + fan_out))).
    /// </summary>
    internal static void InitWeight(Tensor weight, InitKind init, long fanIn, long fanOut, Generator generator)
    {
        const double TruncatedStdCorrection = 0.87962566103423978;
        switch (init)
        {
            case InitKind.HeNormal:
            case InitKind.GlorotNormal:
                double variance = init == InitKind.HeNormal ? 2.0 / fanIn : 2.0 / (fanIn + fanOut);
                TruncatedNormal(weight, Math.Sqrt(variance) / TruncatedStdCorrection, generator);
                break;
            case InitKind.HeUniform:
            case InitKind.GlorotUniform:
                double limit = init == InitKind.HeUniform ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
                weight.uniform_(-limit, limit, generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, null);
        }
    }

    // N(0, std²) truncated to ±2·std by inverting the normal CDF on a uniform draw (no rejection loop).
    // TorchSharp 0.107's nn.init.trunc_normal_ fills the tensor with a constant, so it is not used.
    private static void TruncatedNormal(Tensor weight, double std, Generator generator)
    {
        const double Phi2 = 0.97724986805182079; // Φ(2)
        weight.uniform_(2 * (1 - Phi2) - 1, 2 * Phi2 - 1, generator);
        weight.erfinv_().mul_(std * Math.Sqrt(2)).clamp_(-2 * std, 2 * std);
    }

    internal static Tensor Activate(Tensor x, ActivationKind? activation) => activation switch
    {
        null => x,
        // In place where autograd allows it: relu/leaky_relu backward needs only their output.
        ActivationKind.Relu => x.relu_(),
        ActivationKind.LeakyRelu => x.leaky_relu_(0.01),
        ActivationKind.Elu => F.elu(x, 1.0, false),
        ActivationKind.Gelu => F.gelu(x),
        ActivationKind.Tanh => x.tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };
}

/// <summary>Conv (optionally asymmetric "same" padding) → [batch norm] → activation → [max-pool].</summary>
internal sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;
    private readonly BatchNorm2d? norm;
    private readonly ConvPlan plan;
    private readonly ActivationKind activation;

    public ConvBlock(ConvPlan plan, bool batchNorm, ActivationKind activation, bool channelsLast, ScalarType type) : base("conv")
    {
        this.plan = plan;
        this.activation = activation;
        this.type = type;
        // Channels-last weights steer oneDNN to its NHWC kernels and keep activations NHWC end to end.
        var w = channelsLast
            ? empty([plan.Filters, plan.Kernel, plan.Kernel, plan.InChannels], type).permute(0, 3, 1, 2)
            : empty([plan.Filters, plan.InChannels, plan.Kernel, plan.Kernel], type);
        weight = new Parameter(w, true);
        // A bias before batch norm is cancelled by its mean subtraction, so it is left out.
        bias = batchNorm ? null : new Parameter(zeros([plan.Filters], type), true);
        norm = batchNorm ? nn.BatchNorm2d(plan.Filters, dtype: type) : null;
        RegisterComponents();
    }

    private readonly ScalarType type;

    public void Initialize(InitKind init, Generator generator)
    {
        long receptive = (long)plan.Kernel * plan.Kernel;
        CnnModel.InitWeight(weight, init, plan.InChannels * receptive, plan.Filters * receptive, generator);
        bias?.zero_();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dtype != type) x = x.to(type);
        if (plan.Padded)
            x = F.pad(x, [plan.PadW.Before, plan.PadW.After, plan.PadH.Before, plan.PadH.After]);
        x = F.conv2d(x, weight, bias, strides: [plan.Stride, plan.Stride]);
        if (norm is not null) x = norm.forward(x);
        if (plan.Pool <= 1) return CnnModel.Activate(x, activation);
        // Max-pooling commutes with any non-decreasing activation (relu, leaky relu, elu, tanh), so
        // pooling first lets the activation and its backward touch a quarter of the data: for the seed
        // model's first block that is 44 MB less to read and write per direction and batch. GELU dips
        // below zero and is not monotonic, so it keeps the textbook order.
        if (activation != ActivationKind.Gelu)
            return CnnModel.Activate(F.max_pool2d(x, plan.Pool, plan.Pool), activation);
        return F.max_pool2d(CnnModel.Activate(x, activation), plan.Pool, plan.Pool);
    }
}

/// <summary>Linear → activation → dropout (hidden layers), or a bare linear layer (output).</summary>
internal sealed class DenseBlock : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly DensePlan plan;
    private readonly ActivationKind? activation;
    private readonly double dropout;
    private readonly Generator? generator;

    public DenseBlock(DensePlan plan, ActivationKind? activation, double dropout, Generator? generator, ScalarType type) : base("dense")
    {
        this.plan = plan;
        this.activation = activation;
        this.dropout = dropout;
        this.generator = generator;
        this.type = type;
        weight = new Parameter(empty([plan.Units, plan.Inputs], type), true);
        bias = new Parameter(zeros([plan.Units], type), true);
        RegisterComponents();
    }

    private readonly ScalarType type;
    private Scalar? keepScalar;

    protected override void Dispose(bool disposing)
    {
        if (disposing) keepScalar?.Dispose();
        base.Dispose(disposing);
    }

    public void Initialize(InitKind init, Generator generator)
    {
        CnnModel.InitWeight(weight, init, plan.Inputs, plan.Units, generator);
        bias.zero_();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dtype != type) x = x.to(type);
        x = CnnModel.Activate(F.linear(x, weight, bias), activation);
        if (!training || dropout <= 0) return x;
        // Dropout with the trial's own generator: the global one is shared by every trial in the
        // process, which would make concurrent trials non-reproducible and checkpoints incomplete.
        double keep = 1 - dropout;
        // The divisor is a Scalar this block owns: an implicit one from a double is unreachable during the native
        // call and can be finalized under it (seen as "Unknown scalar type" with two trials training at once).
        using var mask = empty_like(x).bernoulli_(keep, generator).div_(keepScalar ??= keep.ToScalar());
        return x.mul(mask);
    }
}
