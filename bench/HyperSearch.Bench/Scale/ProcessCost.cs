using System.Diagnostics;

namespace HyperSearch.Bench.Scale;

/// <summary>What the process spent between two points: CPU time, bytes allocated and garbage collections by
/// generation; the wall time for the utilization.</summary>
internal sealed class ProcessCost
{
    private readonly TimeSpan _cpu;
    private readonly long _allocated;
    private readonly int[] _collections;
    private readonly long _started;
    private readonly TimeSpan _paused;

    private ProcessCost()
    {
        _cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _allocated = GC.GetTotalAllocatedBytes();
        _collections = Collections();
        _started = Stopwatch.GetTimestamp();
        _paused = GC.GetTotalPauseDuration();
    }

    public static ProcessCost Start() => new();

    public Spent Stop()
    {
        var collections = Collections();
        return new Spent(
            (Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds,
            Stopwatch.GetElapsedTime(_started).TotalSeconds,
            GC.GetTotalAllocatedBytes() - _allocated,
            collections.Select((count, generation) => count - _collections[generation]).ToArray(),
            (GC.GetTotalPauseDuration() - _paused).TotalMilliseconds);
    }

    private static int[] Collections() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    /// <param name="Collections">Collections of generations 0, 1 and 2 (a generation's count includes the higher ones').</param>
    /// <param name="GcPauseMilliseconds">Time the garbage collector held every managed thread.</param>
    public sealed record Spent(double CpuSeconds, double WallSeconds, long AllocatedBytes, int[] Collections, double GcPauseMilliseconds);
}
