namespace HyperSearch.Grains.Trials;

/// <summary>Renews a lease from a timer on the thread pool, so a long epoch does not look like a dead silo.</summary>
/// <remarks>A plain timer rather than a loop awaiting a cancellable delay: a short trial then costs one timer,
/// not a task, a cancellation source and the exception that ends the loop.</remarks>
internal static class LeaseHeartbeat
{
    public static IDisposable Start(TimeSpan interval, Func<Task<bool>> beat, Action onFenced, Action<Exception> onError) =>
        new Beater(interval, beat, onFenced, onError);

    private sealed class Beater : IDisposable
    {
        private readonly Func<Task<bool>> _beat;
        private readonly Action _onFenced;
        private readonly Action<Exception> _onError;
        private readonly Timer _timer;
        private int _beating;
        private volatile bool _stopped;

        public Beater(TimeSpan interval, Func<Task<bool>> beat, Action onFenced, Action<Exception> onError)
        {
            _beat = beat;
            _onFenced = onFenced;
            _onError = onError;
            _timer = new Timer(_ => _ = BeatAsync(), null, interval, interval);
        }

        private async Task BeatAsync()
        {
            // A beat slower than the interval is not overtaken by the next one.
            if (_stopped || Interlocked.Exchange(ref _beating, 1) == 1)
            {
                return;
            }

            try
            {
                if (!await _beat().ConfigureAwait(false) && !_stopped)
                {
                    // A newer attempt owns the trial: stop wasting the slot.
                    _onFenced();
                }
            }
            catch (Exception e)
            {
                if (!_stopped)
                {
                    _onError(e);
                }
            }
            finally
            {
                Volatile.Write(ref _beating, 0);
            }
        }

        public void Dispose()
        {
            _stopped = true;
            _timer.Dispose();
        }
    }
}
