namespace HyperSearch.Tuning.Support;

/// <summary>A small, fully specified PRNG (xoshiro256** seeded through SplitMix64).</summary>
/// <remarks>
/// <see cref="System.Random"/> does not promise the same sequence across .NET versions, and the algorithms
/// must give the same answer after a coordinator restart on any runtime; so every draw comes from here,
/// seeded from (search seed, trial number, stream).
/// </remarks>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>An independent stream for one (seed, trial, purpose) triple.</summary>
    /// <param name="stream">Separates unrelated uses within one trial (e.g. random fallback vs TPE candidates).</param>
    public static SeededRandom For(int seed, int trialNumber, int stream = 0)
    {
        var x = (ulong)(uint)seed;
        var mixed = SplitMix64(ref x) ^ ((ulong)(uint)trialNumber * 0xD1B54A32D192ED03UL) ^ ((ulong)(uint)stream * 0x8CB92BA72F3D8DD7UL);
        return new SeededRandom(SplitMix64(ref mixed));
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(NextUInt64() % (ulong)maxExclusive);
    }

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public long NextLong(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (long)(NextUInt64() % (ulong)maxExclusive);
    }

    /// <summary>A standard normal draw (Box–Muller; one value per call so the stream position is obvious).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble(); // (0, 1]: keeps the log finite
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
