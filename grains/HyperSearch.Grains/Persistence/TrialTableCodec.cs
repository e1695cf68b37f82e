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
        var blobs = new List<byte[]>(state.Trials.Count);
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

            blobs.Add(blob);
        }

        state.TrialBlobs = blobs;
    }

    public void Decode(SearchGrainState state)
    {
        state.Trials = state.TrialBlobs.Select(b => serializer.Deserialize<TrialEntry>(b)!).ToList();
    }
}
