using HyperSearch.Randomness;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace HyperSearch.Training;

/// <summary>
/// One trial's model, optimizer and dropout generator on one device, and the train / evaluate steps.
/// In bf16 mode the optimizer owns fp32 master weights while a bfloat16 copy does forward and backward
/// (TorchSharp has no autocast): weights are copied down before each step, gradients copied up after.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    // Streams of SeededRandom.DeriveSeed: fixed forever, or checkpoints and seeds stop meaning the same thing.
    internal const ulong InitStream = 1, DropoutStream = 2, DataStream = 3;

    // Channels-last conv weights make oneDNN run its NHWC kernels end to end; measured 10–15 % faster
    // training steps for the seed model than NCHW on the 2-vCPU EPYC (same-load interleaved samples).
    private const bool ChannelsLast = true;

    private readonly Parameter[] master;
    private readonly CnnModel? compute;
    private readonly Parameter[] computeParameters = [];
    private readonly Tensor[] masterBuffers = [], computeBuffers = [];

    public TrainingSession(TrialConfig config, DatasetInfo input, int seed, Device device, bool bf16)
    {
        var plan = ModelBuilder.Plan(config, input);
        Device = device;
        Bf16 = bf16;
        ParameterCount = plan.ParameterCount;
        DropoutGenerator = new Generator((ulong)SeededRandom.DeriveSeed(seed, DropoutStream), device);
        Model = new CnnModel(plan, config, DropoutGenerator, ChannelsLast);
        using (var init = new Generator((ulong)SeededRandom.DeriveSeed(seed, InitStream), CPU))
            Model.Initialize(config.Init, init);
        Model.to(device);
        master = [.. Model.parameters()];
        Optimizer = TrialOptimizer.Create(config, master);
        if (bf16)
        {
            // Built in its element types rather than converted with Module.to, layer by layer: conv
            // shapes whose bf16 kernels disagree with float32 here stay float32 (see Bf16Check).
            ConvTypes = [.. plan.Convs.Select((p, i) => Bf16Check.ConvType(p, inputGradient: i > 0, device))];
            compute = new CnnModel(plan, config, DropoutGenerator, ChannelsLast, ConvTypes, ScalarType.BFloat16);
            compute.to(device);
            var byName = compute.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            computeParameters = [.. Model.named_parameters().Select(p => byName[p.name])];
            var buffersByName = compute.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            masterBuffers = [.. Model.named_buffers().Select(b => b.buffer)];
            computeBuffers = [.. Model.named_buffers().Select(b => buffersByName[b.name])];
        }
    }

    public CnnModel Model { get; }
    public TrialOptimizer Optimizer { get; }
    public Generator DropoutGenerator { get; }
    public Device Device { get; }
    public bool Bf16 { get; }
    public long ParameterCount { get; }

    /// <summary>In bf16 mode, the element type each conv block computes in; empty in fp32 mode.</summary>
    public IReadOnlyList<ScalarType> ConvTypes { get; } = [];

    /// <summary>
    /// One optimizer step on a batch; returns the batch's mean loss and correct predictions. A non-finite
    /// loss is returned before anything is updated, so the caller can fail the trial with the model intact.
    /// Call inside a dispose scope.
    /// </summary>
    public (float Loss, long Correct) TrainStep(Tensor images, Tensor labels)
    {
        var model = compute ?? Model;
        model.train();
        if (compute is not null) CopyMasterToCompute();
        model.zero_grad(set_to_none: true);
        // Each block casts its input to its own element type; the loss is always taken in float32.
        var logits = model.forward(images);
        if (logits.dtype != ScalarType.Float32) logits = logits.to(ScalarType.Float32);
        var loss = F.cross_entropy(logits, labels);
        float value = loss.item<float>();
        if (!float.IsFinite(value)) return (value, 0);
        loss.backward();
        if (compute is not null) CopyGradientsToMaster();
        Optimizer.Step();
        long correct;
        using (no_grad()) correct = logits.argmax(1).eq(labels).sum().item<long>();
        return (value, correct);
    }

    /// <summary>Summed loss and correct predictions of the fp32 model on a batch, in eval mode. Call inside a dispose scope.</summary>
    public (double LossSum, long Correct) EvaluateBatch(Tensor images, Tensor labels)
    {
        Model.eval();
        using var _ = no_grad();
        var logits = Model.forward(images);
        double lossSum = F.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
        return (lossSum, logits.argmax(1).eq(labels).sum().item<long>());
    }

    private void CopyMasterToCompute()
    {
        using var _ = no_grad();
        for (int i = 0; i < master.Length; i++) computeParameters[i].copy_(master[i]);
    }

    private void CopyGradientsToMaster()
    {
        using var _ = no_grad();
        for (int i = 0; i < master.Length; i++)
        {
            var g = computeParameters[i].grad;
            if (g is null) continue;
            if (master[i].grad is { } existing) existing.copy_(g);
            else master[i].grad = g.to(ScalarType.Float32).DetachFromDisposeScope();
        }
        // Batch-norm running statistics are updated in the compute copy; the master keeps them for evaluation and checkpoints.
        for (int i = 0; i < masterBuffers.Length; i++) masterBuffers[i].copy_(computeBuffers[i]);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        compute?.Dispose();
        Model.Dispose();
        DropoutGenerator.Dispose();
    }
}
