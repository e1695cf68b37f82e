using System.Diagnostics.Metrics;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Grains.Tests.Coordinator;
using Microsoft.Extensions.DependencyInjection;

namespace HyperSearch.Grains.Tests.Telemetry;

/// <summary>The HyperSearch meter, read with a MeterListener: counters start at 0 per search, trial series end
/// with their trial, and a search whose coordinator went quiet on this silo stops being published here.</summary>
public sealed class HyperSearchMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ManualClock _clock = new();
    private readonly HyperSearchMetrics _metrics;
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    private static readonly TimeSpan Retention = HyperSearchMetrics.StaleAfter * 2;

    public HyperSearchMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _metrics = new HyperSearchMetrics(factory, _clock, Microsoft.Extensions.Options.Options.Create(new HyperSearchMetricsOptions { FinishedSearchRetention = Retention }));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this test's meter: silos of other tests in this process create HyperSearch meters too.
            if (instrument.Meter.Name == HyperSearchMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Keep(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(i, v, tags));
        _listener.Start();
    }

    [Fact]
    public void A_search_counters_are_created_at_zero_when_its_coordinator_first_reports_it()
    {
        var harness = new CoordinatorHarness(TestSpecs.Make());
        _metrics.ObserveSearch("s1", harness.Coordinator);

        foreach (var outcome in new[] { "started", "completed", "pruned", "failed", "cancelled" })
        {
            var m = Assert.Single(Observe($"hypersearch.trials.{outcome}"));
            Assert.Equal(0, m.Value);
            Assert.Equal("s1", m.Tags["search_id"]);
        }

        _metrics.TrialStarted("s1");
        _metrics.TrialEnded("s1", 0, TrialState.Completed);
        Assert.Equal(1, Assert.Single(Observe("hypersearch.trials.started")).Value);
        Assert.Equal(1, Assert.Single(Observe("hypersearch.trials.completed")).Value);
        Assert.Equal(0, Assert.Single(Observe("hypersearch.trials.pruned")).Value);
    }

    [Fact]
    public void A_finished_search_drops_every_series_after_its_retention_and_the_epoch_histogram_has_no_search_label()
    {
        var metrics = _metrics;
        var finished = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 1));
        finished.RunToEnd();
        metrics.TrialStarted("done");
        metrics.EpochReported("done", 0, Epoch(1, accuracy: 0.5, imagesPerSecond: 10, seconds: 1));
        Assert.Empty(_measurements.Single(m => m.Instrument == "hypersearch.epoch.duration").Tags);
        metrics.TrialEnded("done", 0, TrialState.Completed);
        metrics.ObserveSearch("done", finished.Coordinator);
        Assert.Equal(1, metrics.SearchesWithSeries);

        // Observed again after it finished: the retention still counts from when it finished.
        _clock.Advance(Retention / 2);
        metrics.ObserveSearch("done", finished.Coordinator);
        Assert.Contains(Observe("hypersearch.trials.completed"), m => (string?)m.Tags["search_id"] == "done");

        _clock.Advance(Retention * 0.75);
        Assert.DoesNotContain(Observe("hypersearch.trials.completed"), m => (string?)m.Tags["search_id"] == "done");
        Assert.DoesNotContain(Observe("hypersearch.search.state"), m => (string?)m.Tags["search_id"] == "done");
        Assert.Equal(0, metrics.SearchesWithSeries);
    }

    [Fact]
    public void Trial_series_end_with_their_trial_and_throughput_sums_running_trials()
    {
        _metrics.EpochReported("s1", 0, Epoch(1, accuracy: 0.5, imagesPerSecond: 100, seconds: 2));
        _metrics.EpochReported("s1", 1, Epoch(1, accuracy: 0.6, imagesPerSecond: 50, seconds: 3));
        Assert.Equal([2.0, 3.0], _measurements.Where(m => m.Instrument == "hypersearch.epoch.duration").Select(m => m.Value));
        Assert.Equal(2, Observe("hypersearch.trial.val_accuracy").Count);
        Assert.Equal(150, Assert.Single(Observe("hypersearch.training.images_per_second")).Value);

        _metrics.TrialEnded("s1", 0, TrialState.Pruned);
        var left = Assert.Single(Observe("hypersearch.trial.val_accuracy"));
        Assert.Equal("1", left.Tags["trial"]);
        Assert.Equal(50, Assert.Single(Observe("hypersearch.training.images_per_second")).Value);

        _metrics.TrialEnded("s1", 1, null); // back to the queue
        Assert.Empty(Observe("hypersearch.trial.val_accuracy"));
        Assert.Equal(0, Assert.Single(Observe("hypersearch.training.images_per_second")).Value);
    }

    [Fact]
    public void A_running_search_not_observed_for_a_while_is_no_longer_published_but_a_finished_one_stays_for_its_retention()
    {
        var running = new CoordinatorHarness(TestSpecs.Make());
        var finished = new CoordinatorHarness(TestSpecs.Make(maxTrials: 1, maxConcurrent: 1, epochs: 1));
        finished.RunToEnd();
        Assert.True(finished.State.State.IsFinished(), $"harness search ended {finished.State.State}");
        _metrics.ObserveSearch("running", running.Coordinator);
        _metrics.ObserveSearch("finished", finished.Coordinator);
        _metrics.EpochReported("running", 0, Epoch(1, accuracy: 0.5, imagesPerSecond: 10, seconds: 1));

        Assert.Equal(["finished", "running"], SearchesIn("hypersearch.trials.queued"));
        Assert.Equal(2 * Enum.GetValues<SearchState>().Length, Observe("hypersearch.search.state").Count);

        _clock.Advance(HyperSearchMetrics.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.Equal(["finished"], SearchesIn("hypersearch.trials.queued"));
        Assert.Empty(Observe("hypersearch.trial.val_accuracy"));
        var state = Observe("hypersearch.search.state").Where(m => m.Value == 1).Select(m => (string)m.Tags["state"]!);
        Assert.Equal([finished.State.State.ToString()], state);

        // The coordinator reports again (its grain came back here): published again.
        _metrics.ObserveSearch("running", running.Coordinator);
        Assert.Equal(["finished", "running"], SearchesIn("hypersearch.trials.queued"));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
        _services.Dispose();
    }

    private static EpochMetrics Epoch(int epoch, double accuracy, double imagesPerSecond, double seconds) =>
        new(epoch, new Dictionary<string, double>
        {
            [EpochMetrics.ValAccuracy] = accuracy,
            [EpochMetrics.ImagesPerSecond] = imagesPerSecond,
            [EpochMetrics.EpochSeconds] = seconds,
        });

    private List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Observe(string instrument)
    {
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        return _measurements.Where(m => m.Instrument == instrument).ToList();
    }

    private List<string> SearchesIn(string instrument) =>
        Observe(instrument).Select(m => (string)m.Tags["search_id"]!).Order(StringComparer.Ordinal).ToList();

    private void Keep<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Add((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
