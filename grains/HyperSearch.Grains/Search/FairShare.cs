using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Search;

/// <summary>Keeps a coordinator within its fair share of the cluster's slots: it reports its demand to the registry
/// and takes the limit it gets back (see <see cref="Registry.FairShares"/>).</summary>
internal static class FairShare
{
    /// <summary>One report; when the registry cannot be reached the last limit stays until the next tick.</summary>
    public static async Task RefreshAsync(ISearchRegistryGrain registry, string searchId, SearchCoordinator coordinator, ILogger logger)
    {
        try
        {
            coordinator.ShareLimit = await registry.ShareSlotsAsync(searchId, coordinator.Demand, coordinator.RunningCount);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "search {SearchId}: could not report its demand to the registry; keeping its slot limit", searchId);
        }
    }
}
