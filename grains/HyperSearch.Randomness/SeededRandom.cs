namespace HyperSearch.Randomness;

/// <summary>The one seeded generator of HyperSearch: xoshiro256** seeded through SplitMix64, for the samplers' draws
/// and the trainer's data order and augmentation.</summary>
/// <remarks>
/// <see cref="System.Random"/> promises neither the same sequence across .NET versions nor access to its state. The
/// samplers must give the same answer after a coordinator restart on any runtime, and a checkpoint must capture the
/// trainer's generator exactly (<see cref="State"/>, four words) so a resumed run draws the same batches. Bounded draws
/// use Lemire's multiply-and-reject method: no modulo bias, whatever the bound.
/// </remarks>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        // SplitMix64 expands the seed so that nearby seeds give unrelated streams.
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

    /// <summary>Derives independent 63-bit seeds for the other generators of a trial (e.g. libtorch's).</summary>
    public static long DeriveSeed(int seed, ulong stream)
    {
        var x = (ulong)(uint)seed ^ (stream * 0x9E3779B97F4A7C15UL);
        return (long)(SplitMix64(ref x) >> 1);
    }

    /// <summary>The whole state, for checkpoints: four words, not all zero.</summary>
    public ulong[] State
    {
        get => [_s0, _s1, _s2, _s3];
        set
        {
            if (value is not { Length: 4 } || value.All(v => v == 0))
            {
                throw new ArgumentException("xoshiro256 state needs four words, not all zero", nameof(value));
            }

            (_s0, _s1, _s2, _s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextBelow((ulong)maxExclusive);
    }

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public long NextLong(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (long)NextBelow((ulong)maxExclusive);
    }

    /// <summary>A standard normal draw (Box–Muller; one value per call so the stream position is obvious).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble(); // (0, 1]: keeps the log finite
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates, in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Lemire's method: the high word of draw × bound, rejecting the few low words that would favour some
    /// results (a plain modulo favours the low ones, by up to 2:1 for bounds near 2^64).</summary>
    private ulong NextBelow(ulong bound)
    {
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var high = Math.BigMul(NextUInt64(), bound, out var low);
            if (low >= threshold)
            {
                return high;
            }
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
