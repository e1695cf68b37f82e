using HyperSearch.Runners;
using HyperSearch.Training;

namespace HyperSearch.Grains.Tests.Slots;

/// <summary>The pool of training threads is process-wide: these tests run alone so no other test takes or parks a thread meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingThreadsCollection
{
    public const string Name = "training threads";
}

[Collection(TrainingThreadsCollection.Name)]
public sealed class TrainingThreadsTests
{
    [Fact]
    public async Task Work_runs_on_a_dedicated_thread_that_the_next_work_reuses()
    {
        var first = await TrainingThreads.Run(() => (Thread.CurrentThread, Thread.CurrentThread.IsThreadPoolThread));
        Assert.False(first.IsThreadPoolThread);

        // The finished thread parks itself as idle just after completing: wait until it blocks, however long a
        // loaded machine takes to get there. Parked last, it is the first idle thread handed out.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((first.Item1.ThreadState & ThreadState.WaitSleepJoin) == 0)
        {
            Assert.True(first.Item1.IsAlive && DateTime.UtcNow < deadline, $"the training thread did not park within 60 s ({first.Item1.ThreadState})");
            await Task.Delay(10);
        }

        Assert.Same(first.Item1, await TrainingThreads.Run(() => Thread.CurrentThread));
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
            Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(60)));
            return Thread.CurrentThread.ManagedThreadId;
        })));
        Assert.Equal(4, threads.Distinct().Count());
    }
}

public sealed class BlockingWaitTests
{
    [Fact]
    public async Task A_blocked_thread_gets_the_result_set_later_and_a_fault_as_its_exception()
    {
        var decision = new TaskCompletionSource<int>();
        var waited = Task.Factory.StartNew(() => BlockingWait.ForResult(decision.Task), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        Assert.False(waited.IsCompleted);
        decision.SetResult(7);
        Assert.Equal(7, await waited);

        var failed = new TaskCompletionSource<int>();
        var waitedForFault = Task.Factory.StartNew(() => BlockingWait.ForResult(failed.Task), TaskCreationOptions.LongRunning);
        failed.SetException(new TimeoutException("coordinator unreachable"));
        Assert.Equal("coordinator unreachable", (await Assert.ThrowsAsync<TimeoutException>(() => waitedForFault)).Message);
        Assert.Equal(3, BlockingWait.ForResult(Task.FromResult(3)));
    }
}
