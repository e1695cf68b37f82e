namespace HyperSearch.Grains.Trials;

/// <summary>Calls to a coordinator that may be moving (its silo died and it is reactivating elsewhere from storage).
/// Every coordinator call is idempotent — epochs by number, outcomes by attempt — so retrying is safe.</summary>
internal static class CoordinatorRetry
{
    public static async Task<T> CallAsync<T>(Func<Task<T>> call, TimeSpan budget)
    {
        var deadline = DateTime.UtcNow + budget;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow + delay < deadline)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    public static Task CallAsync(Func<Task> call, TimeSpan budget) =>
        CallAsync(async () =>
        {
            await call();
            return true;
        }, budget);

    private static bool IsTransient(Exception e) =>
        e is SiloUnavailableException or TimeoutException or OrleansMessageRejectionException
        || (e is OrleansException && e.Message.Contains("unavailable", StringComparison.OrdinalIgnoreCase));
}
