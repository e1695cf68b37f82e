namespace HyperSearch.Bench.Algorithms;

/// <summary>Observation noise fixed by (seed, trial, epoch), computed bit for bit as bench/optuna/objectives.py does.</summary>
internal static class NoiseHash
{
    /// <summary>A standard normal draw (Box–Muller on two hashed uniforms).</summary>
    public static double Gaussian(long seed, int trial, int epoch)
    {
        var key = Mix(Mix((ulong)seed) ^ ((ulong)trial * 0x9E3779B97F4A7C15UL) ^ ((ulong)epoch * 0xC2B2AE3D27D4EB4FUL));
        var u1 = ((Mix(key) >> 11) + 1) * (1.0 / (1UL << 53));
        var u2 = (Mix(key ^ 0xD6E8FEB86659FD93UL) >> 11) * (1.0 / (1UL << 53));
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>SplitMix64's finalizer applied to x plus the golden gamma.</summary>
    private static ulong Mix(ulong x)
    {
        var z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
