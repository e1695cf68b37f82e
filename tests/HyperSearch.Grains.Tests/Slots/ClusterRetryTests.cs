using System.Diagnostics;
using System.Reflection;
using HyperSearch.Contracts.Calls;
using Orleans.Runtime.Messaging;

namespace HyperSearch.Grains.Tests.Slots;

/// <summary>The one retry policy for cluster calls: which failures are retried, for how long, and what propagates.</summary>
public sealed class ClusterRetryTests
{
    public static TheoryData<Exception> Transient() =>
    [
        new SiloUnavailableException(),
        new TimeoutException("call timed out"),
        // Orleans only creates this one itself (its constructors are internal).
        (Exception)Activator.CreateInstance(typeof(OrleansMessageRejectionException), BindingFlags.Instance | BindingFlags.NonPublic, null, ["rejected"], null)!,
        new ConnectionFailedException("gateway gone"),
        new GatewayTooBusyException(),
        new OrleansException("the target silo became unavailable"),
    ];

    public static TheoryData<Exception> Permanent() =>
    [
        new InvalidOperationException("search 's' does not exist"),
        new OrleansException("some other failure"),
        new ArgumentException("bad input"),
    ];

    [Theory]
    [MemberData(nameof(Transient))]
    public async Task A_transient_failure_is_retried_until_the_call_succeeds(Exception failure)
    {
        Assert.True(ClusterRetry.IsTransient(failure));
        var calls = 0;

        var result = await ClusterRetry.CallAsync(() => ++calls < 3 ? Task.FromException<int>(failure) : Task.FromResult(42), TimeSpan.FromSeconds(30));

        Assert.Equal(42, result);
        Assert.Equal(3, calls);
    }

    [Theory]
    [MemberData(nameof(Permanent))]
    public async Task Any_other_failure_propagates_at_once(Exception failure)
    {
        Assert.False(ClusterRetry.IsTransient(failure));
        var calls = 0;

        var thrown = await Assert.ThrowsAsync(failure.GetType(), () => ClusterRetry.CallAsync(() =>
        {
            calls++;
            return Task.FromException(failure);
        }, TimeSpan.FromSeconds(30)));

        Assert.Same(failure, thrown);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Retrying_stops_within_the_budget_and_the_last_failure_propagates()
    {
        var budget = TimeSpan.FromSeconds(1);
        var calls = 0;
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterRetry.CallAsync(() =>
        {
            calls++;
            return Task.FromException(new SiloUnavailableException());
        }, budget));

        // Backoff 100, 200, 400 ms fits in the budget; the next (800 ms) would end past it, so it is not waited for.
        Assert.InRange(calls, 2, 4);
        Assert.True(clock.Elapsed < budget + TimeSpan.FromSeconds(5), $"gave up after {clock.Elapsed}, budget {budget}");
    }
}
