using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Slots;

public sealed class EpochReportBatcherTests
{
    private static EpochMetrics Epoch(int n) => new(n, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = n / 10.0 });

    /// <summary>A coordinator that holds each call until released and answers Fenced for odd attempts.</summary>
    private sealed class HeldCoordinator
    {
        public List<(string Search, IReadOnlyList<TrialEpochReport> Reports, TaskCompletionSource Release)> Calls { get; } = [];

        public async Task<IReadOnlyList<EpochDecision>> SendAsync(string search, IReadOnlyList<TrialEpochReport> reports)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Calls)
            {
                Calls.Add((search, reports, release));
            }

            await release.Task;
            return reports.Select(r => r.LeaseToken % 2 == 1 ? EpochDecision.Fenced : EpochDecision.Continue).ToList();
        }

        public int Count
        {
            get
            {
                lock (Calls)
                {
                    return Calls.Count;
                }
            }
        }
    }

    [Fact]
    public async Task Reports_that_arrive_while_a_call_is_in_flight_go_together_in_the_next_and_each_gets_its_own_decision()
    {
        var coordinator = new HeldCoordinator();
        var batcher = new EpochReportBatcher(coordinator.SendAsync);

        var first = batcher.ReportAsync("s", 0, 2, Epoch(1));
        Assert.Equal(1, coordinator.Count);
        var queued = Enumerable.Range(1, 5).Select(n => batcher.ReportAsync("s", n, n, Epoch(1))).ToList();
        // Another search has its own lane: it does not wait behind "s".
        var other = batcher.ReportAsync("t", 0, 2, Epoch(1));
        Assert.Equal(2, coordinator.Count);
        Assert.False(queued[0].IsCompleted);

        coordinator.Calls[0].Release.SetResult();
        Assert.Equal(EpochDecision.Continue, await first);
        await WaitUntilAsync(() => coordinator.Count == 3);
        Assert.Equal([1, 2, 3, 4, 5], coordinator.Calls[2].Reports.Select(r => r.TrialNumber));
        coordinator.Calls[2].Release.SetResult();
        coordinator.Calls[1].Release.SetResult();

        Assert.Equal([EpochDecision.Fenced, EpochDecision.Continue, EpochDecision.Fenced, EpochDecision.Continue, EpochDecision.Fenced], await Task.WhenAll(queued));
        Assert.Equal(EpochDecision.Continue, await other);
        Assert.Equal((3L, 7L), batcher.Sent);
    }

    [Fact]
    public async Task Reports_within_the_linger_go_together_in_one_call()
    {
        var coordinator = new HeldCoordinator();
        var batcher = new EpochReportBatcher(coordinator.SendAsync, TimeSpan.FromMilliseconds(200));

        var reports = Enumerable.Range(0, 3).Select(n => batcher.ReportAsync("s", n, 2, Epoch(1))).ToList();
        // Nothing leaves before the linger is over.
        Assert.Equal(0, coordinator.Count);
        await WaitUntilAsync(() => coordinator.Count == 1);
        Assert.Equal([0, 1, 2], coordinator.Calls[0].Reports.Select(r => r.TrialNumber));

        coordinator.Calls[0].Release.SetResult();
        Assert.All(await Task.WhenAll(reports), d => Assert.Equal(EpochDecision.Continue, d));
        Assert.Equal((1L, 3L), batcher.Sent);
    }

    [Fact]
    public async Task A_failed_call_fails_every_report_in_it_and_the_next_report_is_sent_again()
    {
        var calls = 0;
        var batcher = new EpochReportBatcher((_, reports) =>
            Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IReadOnlyList<EpochDecision>>(new TimeoutException("coordinator unreachable"))
                : Task.FromResult<IReadOnlyList<EpochDecision>>(reports.Select(_ => EpochDecision.Stop).ToList()));

        await Assert.ThrowsAsync<TimeoutException>(() => batcher.ReportAsync("s", 0, 2, Epoch(1)));
        Assert.Equal(EpochDecision.Stop, await batcher.ReportAsync("s", 0, 2, Epoch(1)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(5);
        }
    }
}
