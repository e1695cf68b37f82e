using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HyperSearch.Training.Tests;

/// <summary>The trial optimizers against TorchSharp's reference implementations of the same rules.</summary>
public sealed class OptimizerTests
{
    [Theory]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.Adam, 0.05)]
    [InlineData(OptimizerKind.AdamW, 0.05)]
    [InlineData(OptimizerKind.Sgd, 0.0)]
    [InlineData(OptimizerKind.Sgd, 0.05)]
    public void Matches_torchsharp_reference_over_several_steps(OptimizerKind kind, double weightDecay)
    {
        TorchRuntime.Initialize();
        using var generator = new Generator(11, CPU);
        var config = TrialConfig.Seed with { Optimizer = kind, LearningRate = 0.01, WeightDecay = weightDecay, Momentum = 0.9 };
        Parameter[] ours = [new(randn([4, 3], generator: generator), true), new(randn([5], generator: generator), true)];
        Parameter[] theirs = [.. ours.Select(p => new Parameter(p.detach().clone(), true))];
        using var optimizer = TrialOptimizer.Create(config, ours);
        optim.Optimizer reference = kind switch
        {
            OptimizerKind.Adam => optim.Adam(theirs, 0.01, weight_decay: weightDecay),
            OptimizerKind.AdamW => optim.AdamW(theirs, 0.01, weight_decay: weightDecay),
            _ => optim.SGD(theirs, 0.01, 0.9, weight_decay: weightDecay),
        };
        for (int step = 0; step < 5; step++)
        {
            for (int i = 0; i < ours.Length; i++)
            {
                var g = randn(ours[i].shape, generator: generator);
                ours[i].grad = g.clone();
                theirs[i].grad = g;
            }
            optimizer.Step();
            reference.step();
        }
        for (int i = 0; i < ours.Length; i++)
            Assert.True(ours[i].allclose(theirs[i], rtol: 1e-5, atol: 1e-6), $"parameter {i}: {ours[i].sub(theirs[i]).abs().max().item<float>()}");
        Assert.Equal(5, optimizer.Steps);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void Fused_path_and_tensor_path_agree(OptimizerKind kind)
    {
        // The same values in a contiguous tensor (fused update) and in a channels-last one (tensor ops).
        using var generator = new Generator(5, CPU);
        var values = randn([6, 5, 3, 3], generator: generator);
        var fused = new Parameter(values.clone(), true);
        var composed = new Parameter(values.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), true);
        Assert.True(FusedUpdates.Applicable(fused, fused));
        Assert.False(FusedUpdates.Applicable(composed, composed));
        var config = TrialConfig.Seed with { Optimizer = kind, LearningRate = 0.02, WeightDecay = 0.1 };
        using var a = TrialOptimizer.Create(config, [fused]);
        using var b = TrialOptimizer.Create(config, [composed]);
        for (int step = 0; step < 4; step++)
        {
            var g = randn([6, 5, 3, 3], generator: generator);
            fused.grad = g.clone();
            composed.grad = g.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            a.Step();
            b.Step();
        }
        Assert.True(fused.allclose(composed, rtol: 1e-5, atol: 1e-6), $"max difference {fused.sub(composed).abs().max().item<float>()}");
    }

    [Fact]
    public void State_round_trips_through_save_and_load_with_channels_last_tensors()
    {
        var weight = new Parameter(zeros(8, 3, 3, 4).permute(0, 3, 1, 2), true);
        Assert.False(weight.is_contiguous());
        using var a = TrialOptimizer.Create(TrialConfig.Seed, [weight]);
        weight.grad = ones_like(weight);
        a.Step();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) a.Save(writer);

        var other = new Parameter(zeros(8, 3, 3, 4).permute(0, 3, 1, 2), true);
        using var b = TrialOptimizer.Create(TrialConfig.Seed, [other]);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream)) b.Load(reader);
        Assert.Equal(1, b.Steps);
        // Same state: the next identical step moves both parameters identically.
        using (no_grad()) other.copy_(weight);
        weight.grad = ones_like(weight);
        other.grad = ones_like(other);
        a.Step();
        b.Step();
        Assert.True(weight.allclose(other, rtol: 0, atol: 0));
    }
}
