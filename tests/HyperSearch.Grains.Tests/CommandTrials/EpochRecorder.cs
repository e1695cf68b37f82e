using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>Stands in for the coordinator: records every epoch and says stop once it has seen <paramref name="stopAfter"/>.</summary>
internal sealed class EpochRecorder(int stopAfter = int.MaxValue, Action<EpochMetrics>? onEach = null)
{
    private readonly List<EpochMetrics> _epochs = [];

    public IReadOnlyList<EpochMetrics> Epochs
    {
        get
        {
            lock (_epochs)
            {
                return [.. _epochs];
            }
        }
    }

    public Task<EpochDecision> OnEpoch(EpochMetrics metrics)
    {
        int count;
        lock (_epochs)
        {
            _epochs.Add(metrics);
            count = _epochs.Count;
        }

        onEach?.Invoke(metrics);
        return Task.FromResult(count < stopAfter ? EpochDecision.Continue : EpochDecision.Stop);
    }
}
