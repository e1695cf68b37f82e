using System.Collections.Concurrent;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace HyperSearch.Training;

/// <summary>
/// Decides, per conv layer shape, whether bfloat16 gives right answers on this machine. libtorch 2.10's
/// CPU bf16 convolution returns wrong outputs (30–90 % relative error, measured) when the number of
/// output channels is not a multiple of 16; rather than hard-code that rule, each shape is checked once
/// per process against float32 (forward and both gradients) and falls back to float32 when it disagrees.
/// </summary>
internal static class Bf16Check
{
    // bf16 keeps 8 significant bits: sums of a few hundred products stay within about 1 % of float32.
    private const double Tolerance = 0.03;

    private static readonly ConcurrentDictionary<(ConvPlan Plan, bool InputGradient, string Device), bool> Verdicts = new();

    /// <param name="inputGradient">Whether backward computes the input's gradient (not for the first layer, whose input is data).</param>
    public static ScalarType ConvType(ConvPlan plan, bool inputGradient, Device device) =>
        Verdicts.GetOrAdd((plan, inputGradient, device.ToString()), key => Agrees(key.Plan, key.InputGradient, device))
            ? ScalarType.BFloat16
            : ScalarType.Float32;

    private static bool Agrees(ConvPlan plan, bool inputGradient, Device device)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(12345, CPU);
        var x = randn([2, plan.InChannels, plan.InHeight + plan.PadH.Before + plan.PadH.After, plan.InWidth + plan.PadW.Before + plan.PadW.After], generator: generator).to(device);
        var w = randn([plan.Filters, plan.InChannels, plan.Kernel, plan.Kernel], generator: generator).to(device);
        var outputShape = new long[] { 2, plan.Filters, plan.OutH, plan.OutW };
        var upstream = randn(outputShape, generator: generator).to(device);
        var (y32, gx32, gw32) = Run(x, w, upstream, plan.Stride);
        var (y16, gx16, gw16) = Run(x.to(ScalarType.BFloat16), w.to(ScalarType.BFloat16), upstream.to(ScalarType.BFloat16), plan.Stride);
        return Error(y32, y16) <= Tolerance && (!inputGradient || Error(gx32, gx16) <= Tolerance) && Error(gw32, gw16) <= Tolerance;
    }

    private static (Tensor Y, Tensor GradX, Tensor GradW) Run(Tensor x, Tensor w, Tensor upstream, int stride)
    {
        var xr = x.detach().requires_grad_();
        var wr = w.detach().requires_grad_();
        var y = F.conv2d(xr, wr, null, strides: [stride, stride]);
        y.backward([upstream]);
        return (y.detach(), xr.grad!, wr.grad!);
    }

    // Largest deviation relative to the largest reference magnitude.
    private static double Error(Tensor reference, Tensor candidate)
    {
        double scale = reference.abs().max().item<float>();
        double error = reference.sub(candidate.to(ScalarType.Float32)).abs().max().item<float>();
        return scale == 0 ? (error == 0 ? 0 : double.PositiveInfinity) : error / scale;
    }
}
