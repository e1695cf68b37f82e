using System.Diagnostics;

namespace HyperSearch.Bench.Scale;

/// <summary>Measures how late the process runs what it meant to run every 10 ms: on a dedicated thread (late only when
/// the garbage collector holds every thread, or the cores are busy) and through a thread-pool timer (late also when
/// the pool's queue is long). Reports the 99th percentile and the worst lateness of each.</summary>
internal sealed class StallProbe : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly LatencyLog _thread = new();
    private readonly LatencyLog _pool = new();
    private readonly Thread _dedicated;
    private readonly Task _timer;

    public StallProbe()
    {
        _dedicated = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var asked = Stopwatch.GetTimestamp();
                Thread.Sleep(Period);
                _thread.Add(Stopwatch.GetElapsedTime(asked) - Period);
            }
        })
        { IsBackground = true, Name = "stall probe" };
        _dedicated.Start();
        _timer = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var asked = Stopwatch.GetTimestamp();
                await Task.Delay(Period);
                _pool.Add(Stopwatch.GetElapsedTime(asked) - Period);
            }
        });
    }

    /// <summary>Lateness in ms: dedicated thread p99 and max, thread-pool timer p99 and max.</summary>
    public double[] Figures() => [_thread.Percentile(99), _thread.Percentile(100), _pool.Percentile(99), _pool.Percentile(100)];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _timer;
        _dedicated.Join();
        _stop.Dispose();
    }
}
