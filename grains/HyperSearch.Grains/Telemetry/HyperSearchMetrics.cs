using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using HyperSearch.Grains.Search;

namespace HyperSearch.Grains.Telemetry;

/// <summary>The HyperSearch meter. Series are labelled by search id only, except the per-trial accuracy gauge,
/// whose series disappear when the trial ends.</summary>
public sealed class HyperSearchMetrics : IDisposable
{
    public const string MeterName = "HyperSearch";

    private readonly Meter _meter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _pruned;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _cancelled;
    private readonly Histogram<double> _epochSeconds;
    private readonly ConcurrentDictionary<string, SearchGauges> _searches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Search, int Trial), double> _trialAccuracy = new();
    private int _slots;
    private int _slotsBusy;
    private double _imagesPerSecond;

    public HyperSearchMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _started = _meter.CreateCounter<long>("hypersearch.trials.started", description: "Trials handed to a training slot (first attempts)");
        _completed = _meter.CreateCounter<long>("hypersearch.trials.completed", description: "Trials that trained every epoch");
        _pruned = _meter.CreateCounter<long>("hypersearch.trials.pruned", description: "Trials stopped early by the scheduler");
        _failed = _meter.CreateCounter<long>("hypersearch.trials.failed", description: "Trials that failed");
        _cancelled = _meter.CreateCounter<long>("hypersearch.trials.cancelled", description: "Trials cancelled by a stop condition or the user");
        _epochSeconds = _meter.CreateHistogram<double>("hypersearch.epoch.duration", unit: "s", description: "Wall time of one training epoch");
        _meter.CreateObservableGauge("hypersearch.trials.running", () => SearchSeries(g => g.Running), description: "Trials running now");
        _meter.CreateObservableGauge("hypersearch.trials.queued", () => SearchSeries(g => g.Queued), description: "Trials waiting for a slot");
        _meter.CreateObservableGauge("hypersearch.search.best_val_accuracy", () => SearchSeries(g => g.Best), description: "Best objective of a completed trial");
        _meter.CreateObservableGauge("hypersearch.search.state", StateSeries, description: "1 for the search's current state");
        _meter.CreateObservableGauge("hypersearch.trial.val_accuracy", TrialSeries, description: "Latest validation accuracy of each running trial");
        _meter.CreateObservableGauge("hypersearch.training.slots", () => Volatile.Read(ref _slots), description: "Training slots on this silo");
        _meter.CreateObservableGauge("hypersearch.training.slots.busy", () => Volatile.Read(ref _slotsBusy), description: "Training slots running a trial");
        _meter.CreateObservableGauge("hypersearch.training.images_per_second", () => Volatile.Read(ref _imagesPerSecond), description: "Training throughput of the last epoch reported");
    }

    public void SetSlots(int slots) => Volatile.Write(ref _slots, slots);

    public void SlotBusy(int delta) => Interlocked.Add(ref _slotsBusy, delta);

    public void TrialStarted(string searchId) => _started.Add(1, Tag(searchId));

    public void EpochReported(string searchId, int trial, EpochMetrics metrics)
    {
        if (metrics.Get(EpochMetrics.EpochSeconds) is { } seconds)
        {
            _epochSeconds.Record(seconds, Tag(searchId));
        }

        if (metrics.Get(EpochMetrics.ImagesPerSecond) is { } rate)
        {
            Volatile.Write(ref _imagesPerSecond, rate);
        }

        if (metrics.Get(EpochMetrics.ValAccuracy) is { } accuracy)
        {
            _trialAccuracy[(searchId, trial)] = accuracy;
        }
    }

    /// <summary>A trial attempt ended; a null state means it went back to the queue.</summary>
    public void TrialEnded(string searchId, int trial, TrialState? state)
    {
        _trialAccuracy.TryRemove((searchId, trial), out _);
        var counter = state switch
        {
            TrialState.Completed => _completed,
            TrialState.Pruned => _pruned,
            TrialState.Failed => _failed,
            TrialState.Cancelled => _cancelled,
            _ => null,
        };
        counter?.Add(1, Tag(searchId));
    }

    public void ObserveSearch(string searchId, SearchCoordinator coordinator)
    {
        var best = coordinator.BestCompleted();
        _searches[searchId] = new SearchGauges(
            coordinator.RunningCount,
            coordinator.QueuedCount,
            best is null ? null : coordinator.Objective(best),
            coordinator.State.State);
    }

    public void SearchFinished(string searchId)
    {
        foreach (var key in _trialAccuracy.Keys.Where(k => k.Search == searchId))
        {
            _trialAccuracy.TryRemove(key, out _);
        }
    }

    private IEnumerable<Measurement<double>> SearchSeries(Func<SearchGauges, double?> pick)
    {
        foreach (var (id, gauges) in _searches)
        {
            if (pick(gauges) is { } value)
            {
                yield return new Measurement<double>(value, Tag(id));
            }
        }
    }

    private IEnumerable<Measurement<int>> StateSeries()
    {
        foreach (var (id, gauges) in _searches)
        {
            foreach (var state in Enum.GetValues<SearchState>())
            {
                yield return new Measurement<int>(state == gauges.State ? 1 : 0,
                    new KeyValuePair<string, object?>("search_id", id),
                    new KeyValuePair<string, object?>("state", state.ToString()));
            }
        }
    }

    private IEnumerable<Measurement<double>> TrialSeries()
    {
        foreach (var ((search, trial), accuracy) in _trialAccuracy)
        {
            yield return new Measurement<double>(accuracy,
                new KeyValuePair<string, object?>("search_id", search),
                new KeyValuePair<string, object?>("trial", trial.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private static KeyValuePair<string, object?> Tag(string searchId) => new("search_id", searchId);

    public void Dispose() => _meter.Dispose();

    private sealed record SearchGauges(int Running, int Queued, double? Best, SearchState State);
}
