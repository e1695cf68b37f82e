using System.Collections.Concurrent;

namespace HyperSearch.Grains.Trials;

/// <summary>The trial attempts running on this silo, so a shutting-down silo can stop them and hand them back.</summary>
public sealed class RunningTrials
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    /// <summary>Set when the silo is shutting down: attempts stopped now are handed back, not cancelled.</summary>
    public bool ShuttingDown { get; private set; }

    public int Count => _running.Count;

    public void Add(string key, CancellationTokenSource cancellation) => _running[key] = cancellation;

    public void Remove(string key) => _running.TryRemove(key, out _);

    public void StopAllForShutdown()
    {
        ShuttingDown = true;
        foreach (var cancellation in _running.Values)
        {
            cancellation.Cancel();
        }
    }
}
