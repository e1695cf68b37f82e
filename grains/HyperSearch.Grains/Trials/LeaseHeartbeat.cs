namespace HyperSearch.Grains.Trials;

/// <summary>Renews a lease on the thread pool, so a long epoch does not look like a dead silo.</summary>
internal static class LeaseHeartbeat
{
    public static IDisposable Start(TimeSpan interval, Func<Task<bool>> beat, Action onFenced, Action<Exception> onError)
    {
        var stop = new CancellationTokenSource();
        _ = Task.Run(() => LoopAsync(interval, beat, onFenced, onError, stop.Token));
        return new Stopper(stop);
    }

    private static async Task LoopAsync(TimeSpan interval, Func<Task<bool>> beat, Action onFenced, Action<Exception> onError, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    if (!await beat().ConfigureAwait(false))
                    {
                        // A newer attempt owns the trial: stop wasting the slot.
                        onFenced();
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    onError(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The attempt ended.
        }
    }

    private sealed class Stopper(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }
}
