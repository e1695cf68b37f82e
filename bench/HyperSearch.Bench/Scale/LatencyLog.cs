using System.Collections.Concurrent;
using System.Diagnostics;
using HyperSearch.Contracts.Grains;

namespace HyperSearch.Bench.Scale;

/// <summary>Latency samples (milliseconds) with percentiles.</summary>
internal sealed class LatencyLog
{
    private readonly Lock _gate = new();
    private List<double> _samples = [];

    public double TotalMilliseconds
    {
        get
        {
            lock (_gate)
            {
                return _samples.Sum();
            }
        }
    }

    public void Add(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _samples.Add(elapsed.TotalMilliseconds);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _samples = [];
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _samples.Count;
            }
        }
    }

    /// <summary>The p-th percentile (nearest rank), or 0 without samples.</summary>
    public double Percentile(double p)
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _samples];
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return Math.Round(sorted[Math.Clamp(rank, 0, sorted.Length - 1)], 3);
    }
}

/// <summary>Latency of every call to a coordinator or the registry, as its caller sees it, by method.</summary>
internal sealed class CallLatencies
{
    private readonly ConcurrentDictionary<string, LatencyLog> _byMethod = new(StringComparer.Ordinal);

    public LatencyLog Coordinator { get; } = new();

    public LatencyLog Of(string method) => _byMethod.GetOrAdd(method, _ => new LatencyLog());

    /// <summary>Time inside the coordinator's own turns, by method (its incoming calls, measured on its silo).</summary>
    public LatencyLog Inside(string method) => _byMethod.GetOrAdd("inside." + method, _ => new LatencyLog());

    /// <summary>The silo-wide incoming call filter that records time inside coordinator calls that never wait for
    /// storage (so their time is the coordinator's work, plus whatever preempted its thread).</summary>
    public async Task RecordInsideAsync(IIncomingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            if (context.InterfaceMethod?.DeclaringType == typeof(ISearchGrain) &&
                context.MethodName is nameof(ISearchGrain.ReportEpochsAsync) or nameof(ISearchGrain.HeartbeatAsync) or nameof(ISearchGrain.CompleteAndLeaseAsync))
            {
                Inside(context.MethodName).Add(Stopwatch.GetElapsedTime(started));
            }
        }
    }

    public void Clear()
    {
        Coordinator.Clear();
        foreach (var log in _byMethod.Values)
        {
            log.Clear();
        }
    }

    /// <summary>The silo-wide outgoing call filter that records them.</summary>
    public async Task RecordAsync(IOutgoingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var called = context.InterfaceMethod?.DeclaringType;
            if (called == typeof(ISearchGrain))
            {
                Coordinator.Add(elapsed);
                Of("coordinator." + context.MethodName).Add(elapsed);
            }
            else if (called == typeof(ISearchRegistryGrain))
            {
                Of("registry." + context.MethodName).Add(elapsed);
            }
        }
    }
}
