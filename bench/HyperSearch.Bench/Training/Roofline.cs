using System.Diagnostics;
using static TorchSharp.torch;

namespace HyperSearch.Bench.Training;

/// <summary>The matmul roof: what libtorch's best kernel does on this CPU, the ceiling for any training step.</summary>
internal static class Roofline
{
    public const int Size = 2048;

    /// <summary>GFLOP/s of a 2048×2048×2048 matmul in the given type, best of <paramref name="repeats"/> timed runs.</summary>
    public static double MatmulGflops(ScalarType type, int repeats = 8)
    {
        using var scope = NewDisposeScope();
        var a = randn(Size, Size).to(type);
        var b = randn(Size, Size).to(type);
        for (int i = 0; i < 2; i++) a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * Size * Size * Size / best / 1e9;
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
