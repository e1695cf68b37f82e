using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>docs/cluster.md on storage writes, observed at the grain storage of an in-process cluster of the real
/// grains: a coordinator's writes are at least Coordinator:WriteSpacing apart however busy it is, and an outcome a slot
/// handed over with CompleteAndLease that is not shown stored is redelivered after 10 × WriteSpacing + 0.5 s.</summary>
[Collection(ProbedCluster.Collection)]
public sealed class StorageWriteTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_busy_coordinators_writes_are_at_least_the_write_spacing_apart_and_carry_every_change()
    {
        var spacing = TimeSpan.FromMilliseconds(300);
        var probe = new ClusterProbe();
        var runner = new ScriptedRunner(TimeSpan.FromMilliseconds(20));
        await using var cluster = await ProbedCluster.StartAsync(probe, _ => runner, [4], c => c.WriteSpacing = spacing);
        var search = cluster.Client.GetGrain<ISearchGrain>("spaced-writes");
        await search.StartAsync(TestSpecs.Make(maxTrials: 40, maxConcurrent: 4));
        var status = await ProbedCluster.WaitAsync(search, s => s.State.IsFinished(), Deadline, "the search to finish");
        Assert.Equal(40, status.Count(TrialState.Completed));

        // Hundreds of changes (leases, epochs, outcomes) went into a few writes, none closer than the spacing to the last.
        var writes = probe.Writes.Where(w => w.SearchId == "spaced-writes").ToList();
        var changes = probe.Calls.Count(c => c.Method is nameof(ISearchGrain.LeaseAsync) or nameof(ISearchGrain.ReportEpochAsync) or nameof(ISearchGrain.CompleteAndLeaseAsync));
        Assert.True(writes.Count >= 3, $"only {writes.Count} write(s)");
        Assert.True(changes > 2 * writes.Count, $"{changes} coordinator calls but {writes.Count} writes: the writes were not batched");
        var gaps = writes.Zip(writes.Skip(1), (a, b) => b.At - a.At).ToList();
        // Measured where the write reaches storage, a little after the coordinator starts it: allow half the spacing for
        // that (an unspaced coordinator writes within milliseconds of the last write).
        Assert.True(gaps.Min() >= spacing / 2,
            $"writes {gaps.Min().TotalMilliseconds:0} ms apart (spacing {spacing.TotalMilliseconds:0} ms): " + string.Join(", ", gaps.Select(g => g.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture))));

        // The last write carried every change: a new activation reads the whole finished search back from storage.
        var before = probe.Writes.Count;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.FromMilliseconds(500));
        var reread = await search.GetStatusAsync();
        Assert.True(probe.Writes.Count > before, "the coordinator was not reactivated from storage (a reactivation writes its new generation)");
        Assert.Equal(SearchState.Completed, reread.State);
        Assert.NotNull(reread.Test);
        var trials = await search.GetTrialsAsync();
        Assert.Equal(40, trials.Count);
        Assert.All(trials, t => Assert.Equal((TrialState.Completed, 3), (t.State, t.Epochs.Count)));
    }

    [Fact]
    public async Task An_outcome_not_shown_stored_is_redelivered_after_ten_write_spacings_and_half_a_second()
    {
        var spacing = TimeSpan.FromMilliseconds(100);
        var confirmAfter = 10 * spacing + TimeSpan.FromMilliseconds(500);
        const int trials = 8;
        var probe = new ClusterProbe();
        var runner = new ScriptedRunner(TimeSpan.FromMilliseconds(200));
        await using var cluster = await ProbedCluster.StartAsync(probe, _ => runner, [1], c => c.WriteSpacing = spacing);
        var search = cluster.Client.GetGrain<ISearchGrain>("redelivered");
        await search.StartAsync(TestSpecs.Make(maxTrials: trials, maxConcurrent: 1));

        // Storage stops answering: no receipt can show an outcome stored, so the slot must redeliver on its own.
        probe.HoldWrites();
        try
        {
            await ProbedCluster.WaitForAsync(() => probe.CallsTo(nameof(ISearchGrain.CompleteAsync)).Any(), Deadline,
                () => $"a redelivered outcome; calls: {string.Join("; ", probe.Calls.TakeLast(10))}");
        }
        finally
        {
            probe.ReleaseWrites();
        }

        var redelivered = probe.CallsTo(nameof(ISearchGrain.CompleteAsync)).First();
        var handedOver = probe.CallsTo(nameof(ISearchGrain.CompleteAndLeaseAsync)).ToList();
        var original = Assert.Single(handedOver, c => c.Trial == redelivered.Trial && c.LeaseToken == redelivered.LeaseToken);
        Assert.Equal(handedOver[0], original);
        Assert.True(redelivered.Arrived - original.Arrived >= confirmAfter,
            $"trial {redelivered.Trial}'s outcome was redelivered {(redelivered.Arrived - original.Arrived).TotalMilliseconds:0} ms after it was handed over, before {confirmAfter.TotalMilliseconds:0} ms");
        Assert.True(handedOver.Count < trials,
            $"redelivered only after all {handedOver.Count} trials were handed over (when the slot went idle), not once the timeout passed");

        // Once storage answers again the redelivery returns with the outcome stored, and the search completes whole.
        var status = await ProbedCluster.WaitAsync(search, s => s.State.IsFinished(), Deadline, "the search to finish");
        Assert.Equal(SearchState.Completed, status.State);
        Assert.Equal(trials, status.Count(TrialState.Completed));
        Assert.Equal(true, redelivered.Result);
    }
}
