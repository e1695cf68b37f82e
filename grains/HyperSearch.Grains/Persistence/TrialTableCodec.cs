using HyperSearch.Grains.Search;
using Orleans.Serialization;

namespace HyperSearch.Grains.Persistence;

/// <summary>Encodes the trial table as one blob per trial, re-serializing only trials that can still change:
/// a finished trial's blob is made once and reused by every later write, so a write of a search with thousands of
/// trials costs a few serializations and a copy of bytes.</summary>
internal sealed class TrialTableCodec(Serializer serializer)
{
    private readonly List<byte[]?> _finished = [];

    public void Encode(SearchGrainState state)
    {
        // One array, not one per trial: a storage provider copies or serializes a single buffer in one go.
        var table = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var trial in state.Trials)
        {
            while (_finished.Count <= trial.Number)
            {
                _finished.Add(null);
            }

            var blob = _finished[trial.Number] ?? serializer.SerializeToArray(trial);
            if (trial.State.IsTerminal())
            {
                _finished[trial.Number] = blob;
            }

            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, blob.Length);
            table.Write(length);
            table.Write(blob);
        }

        state.TrialTable = table.ToArray();
    }

    public void Decode(SearchGrainState state)
    {
        var trials = new List<TrialEntry>();
        var table = state.TrialTable.AsSpan();
        while (table.Length > 0)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(table);
            trials.Add(serializer.Deserialize<TrialEntry>(table.Slice(4, length).ToArray())!);
            table = table[(4 + length)..];
        }

        state.Trials = trials;
    }
}
