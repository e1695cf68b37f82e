using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Search;

/// <summary>The reminder that reactivates an unfinished search after every silo restarted (activation alone re-drives
/// it: lease expiry, stop conditions). Registered while the search runs, removed when it finishes. A silo without a
/// reminder service (in-process tests) simply runs without it.</summary>
internal sealed class CoordinatorReminder(Grain grain, IServiceProvider services, string name, TimeSpan period, ILogger logger)
{
    public async Task SetAsync(bool register)
    {
        if (services.GetService<IReminderTable>() is null)
        {
            return;
        }

        try
        {
            if (register)
            {
                await grain.RegisterOrUpdateReminder(name, period, period);
            }
            else if (await grain.GetReminder(name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The lease timer still drives a live search; only a full restart needs the reminder.
            logger.LogWarning(e, "search {SearchId}: could not {Action} its reminder", grain.GetPrimaryKeyString(), register ? "register" : "remove");
        }
    }
}
