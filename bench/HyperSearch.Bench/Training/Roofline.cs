using System.Diagnostics;
using static TorchSharp.torch;

namespace HyperSearch.Bench.Training;

/// <summary>The matmul roof: what libtorch's best kernel does on this CPU, the ceiling for any training step.</summary>
internal sealed class Roofline : IDisposable
{
    public const int Size = 2048;
    public const double Flops = 2.0 * Size * Size * Size;

    private readonly Tensor a, b;

    public Roofline(ScalarType type)
    {
        using var scope = NewDisposeScope();
        a = randn(Size, Size).to(type).DetachFromDisposeScope();
        b = randn(Size, Size).to(type).DetachFromDisposeScope();
        for (int i = 0; i < 2; i++) Sample();
    }

    /// <summary>Seconds of one 2048×2048×2048 matmul.</summary>
    public double Sample()
    {
        var clock = Stopwatch.StartNew();
        a.matmul(b).Dispose();
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        a.Dispose();
        b.Dispose();
    }

    /// <summary>Whether the CPU has native bf16 arithmetic (AVX512-BF16 or AMX-BF16), from /proc/cpuinfo.</summary>
    public static bool CpuHasBf16()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return false;
        var flags = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        return flags.Split(' ').Any(f => f is "avx512_bf16" or "amx_bf16");
    }
}
