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
    /// storage (so their time is the coordinator's work, plus whatever preempted its thread). Other calls pass
    /// untouched: the filter runs for every call of 16 silos.</summary>
    public Task RecordInsideAsync(IIncomingGrainCallContext context) =>
        context.Request.GetInterfaceType() == typeof(ISearchGrain) &&
        context.MethodName is nameof(ISearchGrain.ReportEpochsAsync) or nameof(ISearchGrain.HeartbeatAsync) or nameof(ISearchGrain.CompleteAndLeaseAsync)
            ? TimeInsideAsync(context)
            : context.Invoke();

    /// <summary>When set, one line per coordinator and registry call: time, target, method, arguments, result.</summary>
    public ConcurrentQueue<string>? Trace { get; set; }

    public void Clear()
    {
        Coordinator.Clear();
        foreach (var log in _byMethod.Values)
        {
            log.Clear();
        }
    }

    /// <summary>The silo-wide outgoing call filter that records them; other calls pass untouched.</summary>
    public Task RecordAsync(IOutgoingGrainCallContext context)
    {
        var called = context.Request.GetInterfaceType();
        return called == typeof(ISearchGrain) || called == typeof(ISearchRegistryGrain) ? TimeAsync(context, called == typeof(ISearchGrain)) : context.Invoke();
    }

    private async Task TimeInsideAsync(IIncomingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            Inside(context.MethodName).Add(Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task TimeAsync(IOutgoingGrainCallContext context, bool coordinator)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var prefix = coordinator ? "coordinator." : "registry.";
            Of(prefix + context.MethodName).Add(elapsed);
            if (coordinator)
            {
                Coordinator.Add(elapsed);
                if (context.MethodName == nameof(ISearchGrain.LeaseAsync) && context.Response?.Result is null)
                {
                    Of("coordinator.LeaseAsync.denied").Add(elapsed);
                }
            }

            Trace?.Enqueue(TraceLine(context, elapsed));
        }
    }

    private static string TraceLine(IOutgoingGrainCallContext context, TimeSpan elapsed)
    {
        var args = string.Join(",", Enumerable.Range(0, context.Request.GetArgumentCount()).Select(i => context.Request.GetArgument(i)?.ToString() is { Length: < 60 } a ? a : "…"));
        var result = context.Response?.Result is not { } r ? "null" : r.ToString() is { Length: < 40 } text ? text : r.GetType().Name;
        return $"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {context.TargetId} {context.MethodName}({args}) -> {result} in {elapsed.TotalMilliseconds:0.0} ms";
    }
}
