using HyperSearch.Grains.Trials;

namespace HyperSearch.Grains.Tests.Slots;

public sealed class TrainingThreadsTests
{
    [Fact]
    public async Task Work_runs_on_a_dedicated_thread_that_the_next_work_reuses()
    {
        var first = await TrainingThreads.Run(() => (Thread.CurrentThread.ManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
        Assert.False(first.IsThreadPoolThread);

        // The finished thread parks itself as idle just after completing; give it that moment.
        var reused = false;
        for (var i = 0; i < 50 && !reused; i++)
        {
            await Task.Delay(10);
            reused = await TrainingThreads.Run(() => Thread.CurrentThread.ManagedThreadId) == first.ManagedThreadId;
        }

        Assert.True(reused);
    }

    [Fact]
    public async Task An_exception_reaches_the_caller_and_the_thread_survives()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => TrainingThreads.Run<int>(() => throw new InvalidOperationException("diverged")));
        Assert.Equal(42, await TrainingThreads.Run(() => 42));
    }

    [Fact]
    public async Task Concurrent_work_gets_concurrent_threads()
    {
        using var barrier = new Barrier(4);
        var threads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TrainingThreads.Run(() =>
        {
            Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(10)));
            return Thread.CurrentThread.ManagedThreadId;
        })));
        Assert.Equal(4, threads.Distinct().Count());
    }
}
