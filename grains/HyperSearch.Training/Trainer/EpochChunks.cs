using HyperSearch.Randomness;

namespace HyperSearch.Training;

/// <summary>
/// Which training images each epoch trains on. With one chunk per pass, an epoch is a fresh shuffle of
/// the whole split drawn from the trial's data RNG (the state checkpoints carry). With K chunks, epoch
/// e is chunk (e−1) mod K of pass (e−1) / K, and each pass's permutation is a function of the seed and
/// the pass number alone, so a run resumed mid-pass trains on the same chunks as an uninterrupted one.
/// </summary>
internal sealed class EpochChunks(int count, int chunksPerPass, int seed, SeededRandom dataRng)
{
    // Fixed forever, like TrainingSession's streams: a different stream would change resumed runs' data.
    private const int PassStream = 4;

    private readonly int[] order = new int[count];
    private int shuffledPass = -1;

    /// <summary>The most images one epoch trains on.</summary>
    public int LargestChunk => (count + chunksPerPass - 1) / chunksPerPass;

    /// <summary>The split indices of epoch <paramref name="epoch"/> (1-based), valid until the next call.</summary>
    public ReadOnlySpan<int> For(int epoch)
    {
        if (chunksPerPass == 1)
        {
            Shuffle(dataRng);
            return order;
        }
        int pass = (epoch - 1) / chunksPerPass, chunk = (epoch - 1) % chunksPerPass;
        if (pass != shuffledPass)
        {
            Shuffle(SeededRandom.For(seed, pass, PassStream));
            shuffledPass = pass;
        }
        int start = (int)((long)count * chunk / chunksPerPass), end = (int)((long)count * (chunk + 1) / chunksPerPass);
        return order.AsSpan(start, end - start);
    }

    private void Shuffle(SeededRandom rng)
    {
        for (int i = 0; i < order.Length; i++) order[i] = i;
        rng.Shuffle(order);
    }
}
