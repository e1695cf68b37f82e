namespace HyperSearch.Training;

/// <summary>
/// xoshiro256** for data order and augmentation. Its whole state is four words, so a checkpoint can
/// capture it exactly (System.Random's state is not accessible) and a resumed run draws the same batches.
/// </summary>
internal sealed class TrialRng
{
    private ulong s0, s1, s2, s3;

    public TrialRng(ulong seed)
    {
        // SplitMix64 expands the seed so that nearby seeds give unrelated streams.
        s0 = SplitMix(ref seed);
        s1 = SplitMix(ref seed);
        s2 = SplitMix(ref seed);
        s3 = SplitMix(ref seed);
    }

    public ulong[] State
    {
        get => [s0, s1, s2, s3];
        set
        {
            if (value is not { Length: 4 } || value.All(v => v == 0)) throw new ArgumentException("xoshiro256 state needs four words, not all zero");
            (s0, s1, s2, s3) = (value[0], value[1], value[2], value[3]);
        }
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong bound = (ulong)n;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }

    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Derives independent 63-bit seeds for the other generators of a trial.</summary>
    public static long DeriveSeed(int seed, ulong stream)
    {
        ulong x = (ulong)(uint)seed ^ (stream * 0x9E3779B97F4A7C15UL);
        return (long)(SplitMix(ref x) >> 1);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
