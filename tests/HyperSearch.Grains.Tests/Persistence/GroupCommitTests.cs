using System.Diagnostics;
using HyperSearch.Grains.Persistence;

namespace HyperSearch.Grains.Tests.Persistence;

/// <summary>Write spacing: changes nobody waits for are written at most every lazy spacing; one that a caller waits
/// for cuts that wait to the short spacing. Run on one exclusive scheduler, as in a grain.</summary>
public sealed class GroupCommitTests
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LazySpacing = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task Changes_nobody_waits_for_are_written_the_lazy_spacing_apart()
    {
        var starts = await OnOneThreadAsync(async commit =>
        {
            var first = commit.CommitAsync(urgent: false);
            await Task.Delay(10);
            var second = commit.CommitAsync(urgent: false);
            await Task.WhenAll(first, second);
        });

        Assert.Equal(2, starts.Count);
        Assert.True(starts[1] - starts[0] >= LazySpacing - TimeSpan.FromMilliseconds(5), $"second write {(starts[1] - starts[0]).TotalMilliseconds:0} ms after the first");
    }

    [Fact]
    public async Task A_change_a_caller_waits_for_cuts_the_lazy_wait_short()
    {
        var starts = await OnOneThreadAsync(async commit =>
        {
            var first = commit.CommitAsync(urgent: false);
            await Task.Delay(10);
            var lazy = commit.CommitAsync(urgent: false);
            await Task.Delay(50);
            var waitedFor = commit.CommitAsync(urgent: true);
            Assert.Same(lazy, waitedFor);
            await Task.WhenAll(first, waitedFor);
        });

        Assert.Equal(2, starts.Count);
        var gap = starts[1] - starts[0];
        Assert.InRange(gap, Spacing, LazySpacing / 2);
    }

    private static async Task<List<TimeSpan>> OnOneThreadAsync(Func<GroupCommit, Task> body)
    {
        var clock = Stopwatch.StartNew();
        var starts = new List<TimeSpan>();
        var commit = new GroupCommit(() =>
        {
            starts.Add(clock.Elapsed);
            return Task.Delay(1);
        }, Spacing, LazySpacing);
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        await Task.Factory.StartNew(() => body(commit), CancellationToken.None, TaskCreationOptions.None, exclusive).Unwrap();
        return starts;
    }
}
