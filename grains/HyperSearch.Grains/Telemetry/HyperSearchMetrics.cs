using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using HyperSearch.Grains.Search;
using Microsoft.Extensions.Options;

namespace HyperSearch.Grains.Telemetry;

/// <summary>The HyperSearch meter. Search-level series are labelled by search id only; the per-trial accuracy gauge
/// is the one trial-level series, and it disappears when the trial ends.</summary>
/// <remarks>
/// The OpenTelemetry Prometheus exporter turns '.' into '_', appends the unit ("s" → <c>_seconds</c>) and
/// <c>_total</c> to counters, so the instruments below appear as <c>hypersearch_trials_started_total</c>,
/// <c>hypersearch_epoch_duration_seconds_bucket/_sum/_count</c>, <c>hypersearch_trials_running</c> etc.; the names
/// the alert rules and the dashboard query are listed in k8s/monitoring/metrics.txt. No other instrument here may
/// carry a unit, or its exported name would change.
///
/// Search gauges are published by the silo that hosts the search's coordinator grain. A running coordinator
/// observes its search every tick; when it has not done so for <see cref="StaleAfter"/> (its grain moved to
/// another silo, or this silo lost it), this silo stops publishing that search, so that sums over silos do not
/// count it twice. A finished search keeps its series for <see cref="HyperSearchMetricsOptions.FinishedSearchRetention"/>
/// (long enough for Prometheus to scrape its final values), then every series labelled with its id is dropped, so a
/// long-lived silo's series stay bounded. Hence the per-search counters are observable counters over counts kept
/// here, and the epoch histogram carries no search label: the SDK never forgets a synchronous instrument's series.
/// </remarks>
public sealed class HyperSearchMetrics : IDisposable
{
    public const string MeterName = "HyperSearch";

    /// <summary>How long a running search's gauges outlive the last observation of its coordinator.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    /// <summary>Epoch wall time buckets, in seconds: a tiny model on a subset takes about a second, a large one
    /// on the full dataset many minutes.</summary>
    private static readonly double[] EpochBuckets = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

    private readonly Meter _meter;
    private readonly TimeProvider _clock;
    private const int Started = 0, Completed = 1, Pruned = 2, Failed = 3, Cancelled = 4;
    private readonly TimeSpan _finishedRetention;
    private readonly Histogram<double> _epochSeconds;
    private readonly Counter<long> _refusals;
    private readonly ConcurrentDictionary<string, SearchGauges> _searches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Search, int Trial), TrialGauges> _trials = new();
    private int _slots;
    private int _slotsBusy;
    private volatile Func<bool>? _readiness;

    public HyperSearchMetrics(IMeterFactory meterFactory, TimeProvider clock)
        : this(meterFactory, clock, Options.Create(new HyperSearchMetricsOptions()))
    {
    }

    public HyperSearchMetrics(IMeterFactory meterFactory, TimeProvider clock, IOptions<HyperSearchMetricsOptions> options)
    {
        _clock = clock;
        _finishedRetention = options.Value.FinishedSearchRetention;
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("hypersearch.trials.started", () => CountSeries(Started), description: "Trial attempts handed to a training slot");
        _meter.CreateObservableCounter("hypersearch.trials.completed", () => CountSeries(Completed), description: "Trials that trained every epoch");
        _meter.CreateObservableCounter("hypersearch.trials.pruned", () => CountSeries(Pruned), description: "Trials stopped early by the scheduler");
        _meter.CreateObservableCounter("hypersearch.trials.failed", () => CountSeries(Failed), description: "Trials that failed");
        _meter.CreateObservableCounter("hypersearch.trials.cancelled", () => CountSeries(Cancelled), description: "Trials cancelled by a stop condition or the user");
        _epochSeconds = _meter.CreateHistogram("hypersearch.epoch.duration", unit: "s", description: "Wall time of one training epoch",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EpochBuckets });
        _refusals = _meter.CreateCounter<long>("hypersearch.security.refusals", description: "Connections and calls the cluster refused, by reason (tls, certificate, role, spec) and the caller's role");
        _meter.CreateObservableGauge("hypersearch.trials.running", () => SearchSeries(g => g.Running), description: "Trials of the search running now");
        _meter.CreateObservableGauge("hypersearch.trials.queued", () => SearchSeries(g => g.Queued), description: "Trials of the search waiting for a slot");
        _meter.CreateObservableGauge("hypersearch.search.best_val_accuracy", () => SearchSeries(g => g.BestValAccuracy), description: "Validation accuracy of the search's best completed trial");
        _meter.CreateObservableGauge("hypersearch.search.state", StateSeries, description: "1 for the search's current state, 0 for the others");
        // The coordinator's tick and every event it handles observe the search: a stalled or lost coordinator stops this.
        _meter.CreateObservableGauge("hypersearch.search.coordinator_progress_timestamp_seconds",
            () => SearchSeries(g => g.ObservedAt.ToUnixTimeMilliseconds() / 1000.0),
            description: "Unix time at which the search's coordinator last ticked or handled an event, on the silo hosting it");
        _meter.CreateObservableGauge("hypersearch.trial.val_accuracy", TrialSeries, description: "Latest validation accuracy of each running trial");
        _meter.CreateObservableGauge("hypersearch.training.slots", () => Volatile.Read(ref _slots), description: "Training slots on this silo");
        _meter.CreateObservableGauge("hypersearch.training.slots.busy", () => Volatile.Read(ref _slotsBusy), description: "Training slots of this silo running a trial");
        // A silo that is up (scraped) but not ready, e.g. because CUDA failed to load, is an alert (HyperSearchSiloNotReady).
        _meter.CreateObservableGauge("hypersearch.silo.ready",
            () => _readiness is { } ready ? [new Measurement<int>(ready() ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            description: "1 while /readyz answers ready, 0 otherwise (its body says why)");
        _meter.CreateObservableGauge("hypersearch.training.images_per_second", ImagesPerSecond, description: "Training throughput of the trials running on this silo (latest epoch of each)");
    }

    /// <summary>A refused connection or call: <paramref name="reason"/> is tls (no or untrusted certificate),
    /// certificate (a valid certificate used for the wrong part), role or spec.</summary>
    public void Refused(string reason, string role) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("role", role));

    /// <summary>The silo host's readiness check, published as hypersearch_silo_ready (nothing until one is set).</summary>
    public void ObserveReadiness(Func<bool> ready) => _readiness = ready;

    public void SetSlots(int slots) => Volatile.Write(ref _slots, slots);

    public void SlotBusy(int delta) => Interlocked.Add(ref _slotsBusy, delta);

    public void TrialStarted(string searchId) => Interlocked.Increment(ref Counts(searchId)[Started]);

    /// <summary>An epoch of an attempt training on this silo: throughput, epoch time and the trial's accuracy are
    /// published by the silo that trains, so per-pod panels show the pod doing the work.</summary>
    public void EpochReported(string searchId, int trial, EpochMetrics metrics)
    {
        if (metrics.Get(EpochMetrics.EpochSeconds) is { } seconds && double.IsFinite(seconds) && seconds >= 0)
        {
            _epochSeconds.Record(seconds);
        }

        var accuracy = metrics.Get(EpochMetrics.ValAccuracy) is { } a && double.IsFinite(a) ? a : (double?)null;
        var rate = metrics.Get(EpochMetrics.ImagesPerSecond) is { } r && double.IsFinite(r) ? r : (double?)null;
        _trials.AddOrUpdate((searchId, trial),
            _ => new TrialGauges(accuracy, rate),
            (_, old) => new TrialGauges(accuracy ?? old.ValAccuracy, rate ?? old.ImagesPerSecond));
    }

    /// <summary>An attempt that trained on this silo ended: its per-trial series disappear.</summary>
    public void AttemptEnded(string searchId, int trial) => _trials.TryRemove((searchId, trial), out _);

    /// <summary>A trial attempt ended; a null state means it went back to the queue.</summary>
    public void TrialEnded(string searchId, int trial, TrialState? state)
    {
        var counts = Counts(searchId);
        _trials.TryRemove((searchId, trial), out _);
        var index = state switch
        {
            TrialState.Completed => Completed,
            TrialState.Pruned => Pruned,
            TrialState.Failed => Failed,
            TrialState.Cancelled => Cancelled,
            _ => -1,
        };
        if (index >= 0)
        {
            Interlocked.Increment(ref counts[index]);
        }
    }

    public void ObserveSearch(string searchId, SearchCoordinator coordinator)
    {
        Counts(searchId);
        var best = coordinator.BestCompleted();
        var now = _clock.GetUtcNow();
        var state = coordinator.State.State;
        var finishedAt = state.IsFinished() ? (_searches.TryGetValue(searchId, out var old) ? old.FinishedAt : null) ?? now : (DateTimeOffset?)null;
        _searches[searchId] = new SearchGauges(
            coordinator.RunningCount,
            coordinator.QueuedCount,
            best is null || best.Epochs.Count == 0 ? null : best.Epochs[^1].Get(EpochMetrics.ValAccuracy),
            state,
            now,
            finishedAt);
    }

    /// <summary>Searches with series on this silo now (for tests and diagnostics).</summary>
    public int SearchesWithSeries => _counts.Count;

    public void SearchFinished(string searchId)
    {
        foreach (var key in _trials.Keys.Where(k => k.Search == searchId))
        {
            _trials.TryRemove(key, out _);
        }
    }

    /// <summary>The search's counts; created at 0 with its first event, so that increase() and rate() see its first trial.</summary>
    private long[] Counts(string searchId) => _counts.GetOrAdd(searchId, _ => new long[5]);

    private IEnumerable<Measurement<long>> CountSeries(int index)
    {
        Sweep();
        foreach (var (id, counts) in _counts)
        {
            yield return new Measurement<long>(Interlocked.Read(ref counts[index]), Tag(id));
        }
    }

    /// <summary>The searches this silo publishes, after <see cref="Sweep"/>.</summary>
    private IEnumerable<KeyValuePair<string, SearchGauges>> LiveSearches()
    {
        Sweep();
        return _searches;
    }

    /// <summary>Drops running searches whose coordinator went quiet here, and finished searches past their retention,
    /// with every series labelled by their id.</summary>
    private void Sweep()
    {
        var now = _clock.GetUtcNow();
        foreach (var entry in _searches)
        {
            var stale = !entry.Value.State.IsFinished() && now - entry.Value.ObservedAt > StaleAfter;
            var expired = entry.Value.FinishedAt is { } finished && now - finished > _finishedRetention;
            if ((stale || expired) && _searches.TryRemove(entry))
            {
                _counts.TryRemove(entry.Key, out _);
                SearchFinished(entry.Key);
            }
        }
    }

    private IEnumerable<Measurement<double>> SearchSeries(Func<SearchGauges, double?> pick)
    {
        foreach (var (id, gauges) in LiveSearches())
        {
            if (pick(gauges) is { } value)
            {
                yield return new Measurement<double>(value, Tag(id));
            }
        }
    }

    private IEnumerable<Measurement<int>> StateSeries()
    {
        foreach (var (id, gauges) in LiveSearches())
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
        foreach (var ((search, trial), gauges) in _trials)
        {
            if (gauges.ValAccuracy is { } accuracy)
            {
                yield return new Measurement<double>(accuracy,
                    new KeyValuePair<string, object?>("search_id", search),
                    new KeyValuePair<string, object?>("trial", trial.ToString(CultureInfo.InvariantCulture)));
            }
        }
    }

    private double ImagesPerSecond() => _trials.Values.Sum(t => t.ImagesPerSecond ?? 0);

    private static KeyValuePair<string, object?> Tag(string searchId) => new("search_id", searchId);

    public void Dispose() => _meter.Dispose();

    private sealed record SearchGauges(int Running, int Queued, double? BestValAccuracy, SearchState State, DateTimeOffset ObservedAt, DateTimeOffset? FinishedAt);

    private sealed record TrialGauges(double? ValAccuracy, double? ImagesPerSecond);
}

/// <summary>Settings of the HyperSearch meter (configuration section HyperSearch:Metrics).</summary>
public sealed class HyperSearchMetricsOptions
{
    /// <summary>How long a finished search's series stay on /metrics: several scrape intervals, so Prometheus records
    /// its final counts and state before they go.</summary>
    public TimeSpan FinishedSearchRetention { get; set; } = TimeSpan.FromMinutes(5);
}
