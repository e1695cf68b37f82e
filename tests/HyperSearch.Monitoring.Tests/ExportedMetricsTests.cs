using Xunit.Abstractions;

namespace HyperSearch.Monitoring.Tests;

/// <summary>What the silo really exports at /metrics during and after a search, against what k8s/monitoring
/// (alert rules, Grafana dashboard, metrics.txt) queries.</summary>
[Collection(MonitoredSearchCollection.Name)]
public sealed class ExportedMetricsTests(MonitoredSearch run, ITestOutputHelper output)
{
    [Fact]
    public void Every_metric_the_dashboard_and_the_alert_rules_use_is_exported_by_a_live_silo()
    {
        var used = MonitoringQueries.UsedNames();
        Assert.NotEmpty(used);
        output.WriteLine("hypersearch_* series exported: " + string.Join(" ", run.SeenNames.Where(n => n.StartsWith("hypersearch_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
        var wanted = used.Keys.Union(MonitoringQueries.Listed()).Order(StringComparer.Ordinal).ToList();
        var missing = wanted.Where(n => !run.SeenNames.Contains(n)).ToList();
        Assert.True(missing.Count == 0,
            "used by k8s/monitoring but never exported by the silo during the search:\n  "
            + string.Join("\n  ", missing.Select(n => used.TryGetValue(n, out var s) ? $"{n} ({string.Join(", ", s)})" : $"{n} (metrics.txt)"))
            + "\nhypersearch_* the silo exported:\n  "
            + string.Join("\n  ", run.SeenNames.Where(n => n.StartsWith("hypersearch_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void HyperSearch_metrics_have_their_Prometheus_types()
    {
        foreach (var outcome in new[] { "started", "completed", "pruned", "failed", "cancelled" })
        {
            Assert.Equal("counter", TypeOf($"hypersearch_trials_{outcome}_total"));
        }

        Assert.Equal("histogram", TypeOf("hypersearch_epoch_duration_seconds"));
        foreach (var gauge in new[]
                 {
                     "hypersearch_trials_running", "hypersearch_trials_queued", "hypersearch_training_slots",
                     "hypersearch_training_slots_busy", "hypersearch_training_images_per_second",
                     "hypersearch_trial_val_accuracy", "hypersearch_search_best_val_accuracy", "hypersearch_search_state",
                 })
        {
            Assert.Equal("gauge", TypeOf(gauge));
        }
    }

    [Fact]
    public void Labels_stay_low_cardinality_and_trial_series_end_with_their_trial()
    {
        // Only the per-trial accuracy gauge carries a trial label, and it was seen while trials ran.
        Assert.NotEmpty(run.TrialSamples);
        Assert.All(run.TrialSamples, s => Assert.Equal(["search_id", "trial"], OwnLabels(s)));
        var allowed = new HashSet<string>(["search_id", "state", "le"], StringComparer.Ordinal);
        foreach (var sample in run.Final.Samples.Where(s => s.Name.StartsWith("hypersearch_", StringComparison.Ordinal)))
        {
            Assert.True(OwnLabels(sample).All(allowed.Contains), $"{sample.Name} has labels {string.Join(", ", sample.Labels.Keys)}");
        }

        // The search has ended: no trial series is left, and the search's gauges say so.
        Assert.DoesNotContain(run.Final.Samples, s => s.Name == "hypersearch_trial_val_accuracy");
        var ofSearch = run.Final.Samples.Where(s => s.Labels.TryGetValue("search_id", out var id) && id == run.SearchId).ToList();
        Assert.Equal(1, ofSearch.Single(s => s.Name == "hypersearch_search_state" && s.Labels["state"] == "Completed").Value);
        Assert.Equal(0, ofSearch.Single(s => s.Name == "hypersearch_trials_running").Value);
        Assert.Equal(0, ofSearch.Single(s => s.Name == "hypersearch_trials_queued").Value);
        Assert.InRange(ofSearch.Single(s => s.Name == "hypersearch_search_best_val_accuracy").Value, 0.2, 1.0);
        Assert.Equal(run.CompletedTrials, ofSearch.Single(s => s.Name == "hypersearch_trials_completed_total").Value);
        // The epoch histogram has no search label (a finished search's series must be able to go); this silo ran only
        // this search and the blocker that held its slot at the start.
        Assert.Equal((run.Summary["epochs_trained"]?.GetValue<int>() ?? 3 * run.CompletedTrials) + run.BlockerEpochs,
            run.Final.Samples.Single(s => s.Name == "hypersearch_epoch_duration_seconds_count").Value);
        Assert.Equal(1, run.Final.Samples.Single(s => s.Name == "hypersearch_training_slots").Value);
        Assert.Equal(0, run.Final.Samples.Single(s => s.Name == "hypersearch_training_slots_busy").Value);
    }

    /// <summary>The sample's labels without the exporter's otel_scope_* ones (the meter's name and version).</summary>
    private static List<string> OwnLabels(Sample sample) =>
        sample.Labels.Keys.Where(k => !k.StartsWith("otel_scope_", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    private string? TypeOf(string family) => run.SeenTypes.TryGetValue(family, out var type) ? type : null;
}
