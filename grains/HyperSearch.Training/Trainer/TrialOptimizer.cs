using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// Adam, AdamW and SGD with momentum with PyTorch's update rules, written here rather than taken from
/// TorchSharp because their state must checkpoint tensors of any memory layout (TorchSharp's serializer
/// rejects channels-last ones) and because each update should make as few passes over memory as it can:
/// for the seed model's 9.4M-weight dense layer the optimizer is memory-bound.
/// </summary>
internal abstract class TrialOptimizer : IDisposable
{
    protected TrialOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay)
    {
        Parameters = parameters;
        baseLearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    protected IReadOnlyList<Parameter> Parameters { get; }
    private readonly double baseLearningRate;

    /// <summary>The configured learning rate times <see cref="LearningRateScale"/>.</summary>
    protected double LearningRate => baseLearningRate * LearningRateScale;

    /// <summary>Set by the trainer before each step from the trial's schedule (1 = the configured rate).</summary>
    public double LearningRateScale { get; set; } = 1;
    protected double WeightDecay { get; }
    public long Steps { get; private set; }

    public static TrialOptimizer Create(TrialConfig config, IReadOnlyList<Parameter> parameters) => config.Optimizer switch
    {
        OptimizerKind.Adam => new AdamOptimizer(parameters, config.LearningRate, config.WeightDecay, decoupled: false),
        OptimizerKind.AdamW => new AdamOptimizer(parameters, config.LearningRate, config.WeightDecay, decoupled: true),
        OptimizerKind.Sgd => new SgdOptimizer(parameters, config.LearningRate, config.WeightDecay, config.Momentum),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Optimizer, "unknown optimizer"),
    };

    /// <summary>Applies one update from the parameters' gradients (parameters without a gradient are skipped).</summary>
    public void Step()
    {
        Steps++;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].grad is { } grad) Update(i, Parameters[i], grad);
        }
    }

    protected abstract void Update(int index, Parameter parameter, Tensor grad);

    protected abstract IEnumerable<Tensor> State { get; }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        foreach (var t in State) TensorIO.Write(writer, t);
    }

    public void Load(BinaryReader reader)
    {
        Steps = reader.ReadInt64();
        int i = 0;
        foreach (var t in State) TensorIO.ReadInto(reader, t, $"optimizer state {i++}");
    }

    public void Dispose()
    {
        foreach (var t in State) t.Dispose();
    }
}

/// <summary>
/// Adam (L2 penalty added to the gradient) or, decoupled, AdamW (weights shrunk by lr·wd before the step).
/// p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps) is computed as p -= (lr·sqrt(bc2)/bc1) · m / (sqrt(v) + eps·sqrt(bc2)),
/// in one fused pass where the memory allows it (<see cref="FusedUpdates"/>), else with tensor ops.
/// </summary>
internal sealed class AdamOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay, bool decoupled)
    : TrialOptimizer(parameters, learningRate, weightDecay)
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    // zeros_like keeps each parameter's layout, so channels-last weights get channels-last moments.
    private readonly Tensor[] m = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    private readonly Tensor[] v = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];

    protected override IEnumerable<Tensor> State => m.Concat(v);

    protected override void Update(int index, Parameter p, Tensor grad)
    {
        double bc1 = 1 - Math.Pow(Beta1, Steps), bc2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        double step = LearningRate * bc2Sqrt / bc1, epsilon = Epsilon * bc2Sqrt;
        double l2 = decoupled ? 0 : WeightDecay, shrink = decoupled ? 1 - LearningRate * WeightDecay : 1;
        if (FusedUpdates.Applicable(p, grad, m[index], v[index]))
        {
            FusedUpdates.Adam(p, grad, m[index], v[index], (float)Beta1, (float)Beta2, (float)l2, (float)shrink, (float)step, (float)epsilon);
            return;
        }
        if (shrink != 1) p.mul_(shrink);
        if (l2 != 0) grad = grad.add(p, alpha: l2);
        m[index].mul_(Beta1).add_(grad, alpha: 1 - Beta1);
        v[index].mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
        var denominator = v[index].sqrt().add_(epsilon);
        p.addcdiv_(m[index], denominator, value: -step);
    }
}

/// <summary>SGD with (PyTorch-style, undampened) momentum and L2 weight decay; the buffer starts as the first gradient.</summary>
internal sealed class SgdOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, double weightDecay, double momentum)
    : TrialOptimizer(parameters, learningRate, weightDecay)
{
    private readonly Tensor[] buffers = [.. parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];

    protected override IEnumerable<Tensor> State => buffers;

    protected override void Update(int index, Parameter p, Tensor grad)
    {
        if (momentum != 0 && FusedUpdates.Applicable(p, grad, buffers[index]))
        {
            FusedUpdates.SgdMomentum(p, grad, buffers[index], (float)momentum, (float)WeightDecay, (float)LearningRate);
            return;
        }
        if (WeightDecay != 0) grad = grad.add(p, alpha: WeightDecay);
        if (momentum == 0)
        {
            p.add_(grad, alpha: -LearningRate);
            return;
        }
        // With the buffer at zero before the first step, mul_ then add_ makes it equal the first gradient, as in PyTorch.
        buffers[index].mul_(momentum).add_(grad);
        p.add_(buffers[index], alpha: -LearningRate);
    }
}
