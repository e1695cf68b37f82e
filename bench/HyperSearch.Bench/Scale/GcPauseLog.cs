using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace HyperSearch.Bench.Scale;

/// <summary>Every garbage collection of a measured span from the runtime's own events: its generation, why it
/// happened and how long it held the managed threads, so a run's pause time can be traced to the collections
/// that made it.</summary>
internal sealed class GcPauseLog : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentQueue<Collection> _collections = new();
    private volatile bool _recording;
    private int _generation = -1;
    private int _reason = -1;
    private DateTime _suspended;
    private double _promoted;
    private double _heap;

    public sealed record Collection(int Generation, string Reason, double PauseMilliseconds, double PromotedMegabytes, double HeapMegabytes, DateTime Started);

    public void Record(bool on) => _recording = on;

    public IReadOnlyList<Collection> Collections => [.. _collections];

    /// <summary>By generation: count, pause milliseconds, the longest pause, and the mean MB promoted and heap MB after;
    /// and the reasons.</summary>
    public Dictionary<string, object> Figures()
    {
        var all = Collections;
        var figures = new Dictionary<string, object>();
        foreach (var group in all.GroupBy(c => c.Generation).OrderBy(g => g.Key))
        {
            figures[$"gen{group.Key}"] = new[]
            {
                group.Count(), Math.Round(group.Sum(c => c.PauseMilliseconds), 1), Math.Round(group.Max(c => c.PauseMilliseconds), 1),
                Math.Round(group.Average(c => c.PromotedMegabytes), 1), Math.Round(group.Average(c => c.HeapMegabytes), 1),
            };
        }

        figures["reasons"] = all.GroupBy(c => c.Reason).ToDictionary(g => g.Key, g => g.Count());
        return figures;
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Informational, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        switch (e.EventName)
        {
            case { } name when name.StartsWith("GCStart", StringComparison.Ordinal):
                _generation = Convert.ToInt32(Payload(e, "Depth"), System.Globalization.CultureInfo.InvariantCulture);
                _reason = Convert.ToInt32(Payload(e, "Reason"), System.Globalization.CultureInfo.InvariantCulture);
                break;
            case { } name when name.StartsWith("GCHeapStats", StringComparison.Ordinal):
                _promoted = (Number(e, "TotalPromotedSize0") + Number(e, "TotalPromotedSize1")) / 1e6;
                _heap = (Number(e, "GenerationSize0") + Number(e, "GenerationSize1") + Number(e, "GenerationSize2") + Number(e, "GenerationSize3")) / 1e6;
                break;
            case { } name when name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal):
                _suspended = e.TimeStamp;
                break;
            case { } name when name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal):
                if (_recording && _suspended != default)
                {
                    _collections.Enqueue(new Collection(_generation, ReasonName(_reason), (e.TimeStamp - _suspended).TotalMilliseconds, _promoted, _heap, _suspended));
                }

                _suspended = default;
                break;
        }
    }

    private static double Number(EventWrittenEventArgs e, string name) =>
        Payload(e, name) is { } value ? Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static object? Payload(EventWrittenEventArgs e, string name) =>
        e.PayloadNames?.IndexOf(name) is int i and >= 0 ? e.Payload?[i] : null;

    // The runtime's GC reasons (gc_reason in the runtime sources).
    private static string ReasonName(int reason) => reason switch
    {
        0 => "alloc_small",
        1 => "induced",
        2 => "low_memory",
        3 => "empty",
        4 => "alloc_large",
        5 => "oos_small",
        6 => "oos_large",
        7 => "induced_noforce",
        8 => "stress",
        9 => "lowmemory_blocking",
        _ => $"reason_{reason}",
    };
}
