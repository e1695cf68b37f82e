using Orleans.Runtime.Messaging;
using Polly;
using Polly.Retry;

namespace HyperSearch.Contracts.Calls;

/// <summary>The one retry policy for calls into the cluster, used by training slots calling their coordinator and by
/// the CLI following a search: a silo died (the grain reactivates elsewhere from storage), a gateway went away or is
/// busy, or a call timed out. Only idempotent calls may use it; every coordinator call is (epochs by number, outcomes
/// by lease token), and so is every read.</summary>
public static class ClusterRetry
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);
    private static readonly ResiliencePropertyKey<DateTimeOffset> Deadline = new("hypersearch.retry-deadline");

    /// <summary>The retries after the first, failed try: exponential backoff from 200 ms to 2 s (the first try waited
    /// 100 ms before it); a retry happens only if its delay ends before the deadline.</summary>
    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(DelayBefore(args.AttemptNumber + 1)),
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } e && IsTransient(e) &&
                DateTimeOffset.UtcNow + DelayBefore(args.AttemptNumber + 1) < args.Context.Properties.GetValue(Deadline, DateTimeOffset.MinValue)),
        })
        .Build();

    /// <summary>Whether a failed call may succeed when made again.</summary>
    public static bool IsTransient(Exception e) =>
        e is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException
        || (e is OrleansException && e.Message.Contains("unavailable", StringComparison.OrdinalIgnoreCase));

    /// <summary>Makes <paramref name="call"/>, again after each transient failure, for at most <paramref name="budget"/>;
    /// then, or on any other failure, the call's exception propagates.</summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, TimeSpan budget)
    {
        var deadline = DateTimeOffset.UtcNow + budget;
        try
        {
            // The first try goes straight out: nearly every call succeeds at once, and the pipeline's context and state
            // machines cost a thousand busy slots a few percent of their cores (bench scale, shape a: 4.5 % of a profile).
            return await call();
        }
        catch (Exception e) when (IsTransient(e) && DateTimeOffset.UtcNow + DelayBefore(0) < deadline)
        {
            await Task.Delay(DelayBefore(0));
        }

        var context = ResilienceContextPool.Shared.Get();
        context.Properties.Set(Deadline, deadline);
        try
        {
            return await Pipeline.ExecuteAsync(static async (_, call) => await call(), context, call);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <inheritdoc cref="CallAsync{T}(Func{Task{T}}, TimeSpan)"/>
    public static Task CallAsync(Func<Task> call, TimeSpan budget) =>
        CallAsync(async () =>
        {
            await call();
            return true;
        }, budget);

    /// <summary>The delay before retry number <paramref name="attempt"/> + 1 (attempt 0 is the first retry).</summary>
    private static TimeSpan DelayBefore(int attempt) =>
        TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << Math.Min(attempt, 10), MaxDelay.Ticks));
}
