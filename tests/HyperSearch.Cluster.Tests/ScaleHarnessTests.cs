using System.Text.Json;
using HyperSearch.Bench.Scale;

namespace HyperSearch.Cluster.Tests;

/// <summary>The scale benchmark (<c>bench -- scale</c>) at a tiny size, so that it keeps working: every shape runs on
/// a real cluster with the storage named, finishes every trial, and prints its figures as the last line's JSON.
/// The targets are for the full sizes; here only what must hold at any size is checked.</summary>
public sealed class ScaleHarnessTests
{
    private static readonly string[] Tiny =
    [
        "--silos", "2",
        "--a-slots", "4", "--a-trials", "12", "--a-epochs", "3", "--a-epoch-ms", "20",
        "--b-slots", "4", "--b-searches", "4", "--b-trials", "8", "--b-epochs", "1", "--b-epoch-ms", "50",
        "--c-slots", "4", "--c-finished", "300", "--c-more", "60", "--c-epochs", "2", "--c-epoch-ms", "10",
    ];

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task Every_shape_runs_to_its_end_and_reports_its_figures(string storage)
    {
        var output = new StringWriter();
        await ScaleBenchmark.RunAsync([.. Tiny, "--storage", storage], output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(lines[^1]);
        var a = json.RootElement.GetProperty($"a_{storage}");
        Assert.Equal(12, a.GetProperty("completed").GetInt32());
        Assert.Equal(12 * 3, a.GetProperty("epoch_reports").GetInt64()); // every epoch of every trial, once
        Assert.True(a.GetProperty("wall_seconds").GetDouble() >= a.GetProperty("ideal_seconds").GetDouble(), "a makespan below its lower bound");
        Assert.True(a.GetProperty("coordinator_p99_ms").GetDouble() > 0);

        var b = json.RootElement.GetProperty($"b_{storage}");
        Assert.Equal(4 * 8, b.GetProperty("completed").GetInt32());
        Assert.InRange(b.GetProperty("min_fair_share_ratio").GetDouble(), 0, 10);
        Assert.True(b.GetProperty("lease_p99_ms").GetDouble() > 0);

        var c = json.RootElement.GetProperty($"c_{storage}");
        Assert.Equal(0, c.GetProperty("lost_trials").GetInt32());
        Assert.Equal("Completed", c.GetProperty("final_state").GetString());
        Assert.True(c.GetProperty("coordinator_bytes_per_trial").GetDouble() > 0);
        Assert.True(c.GetProperty("snapshot_writes").GetInt32() + c.GetProperty("journal_writes").GetInt32() > 0, "no coordinator write was timed");
        Assert.InRange(c.GetProperty("recovery_seconds").GetDouble(), 0.0001, 60);
    }
}
