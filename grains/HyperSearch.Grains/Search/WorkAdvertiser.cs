using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Search;

/// <summary>Tells the search registry whether one search has work for idle slots. Only transitions are sent: a parked
/// slot wakes on any version change after the one it saw. Used from its coordinator grain's turns only.</summary>
public sealed class WorkAdvertiser(string searchId, Func<ISearchRegistryGrain> registry, ILogger logger)
{
    private bool? _advertised;
    private long _advertisements;

    /// <summary>Whether idle slots were last told that there is work.</summary>
    public bool AdvertisedWork => _advertised == true;

    /// <summary>Sends the new state when it changed (always once the search is finished). Not awaited: slots waiting on
    /// the registry need not delay the caller; the sequence orders the updates.</summary>
    public void Update(bool hasWork, SearchState state, int generation)
    {
        if (_advertised != hasWork || state.IsFinished())
        {
            _advertised = hasWork;
            _ = AdvertiseAsync(hasWork, state, AdvertisementSequence(generation, ++_advertisements));
        }
    }

    /// <summary>Orders this search's work advertisements across coordinator activations: the generation first, so a
    /// reactivated coordinator's first update supersedes everything its predecessor sent. Numbering them per activation
    /// alone made the registry drop a new activation's updates as late until it had sent as many as the old one, so a
    /// trial requeued after its silo died could wait forever while every idle slot stayed parked.</summary>
    public static long AdvertisementSequence(int generation, long advertisement) =>
        ((long)generation << 32) + Math.Min(advertisement, uint.MaxValue);

    /// <summary>Tells the registry; when that fails (its silo just died), the next change tells it again.</summary>
    private async Task AdvertiseAsync(bool hasWork, SearchState state, long sequence)
    {
        try
        {
            await registry().SetWorkAvailableAsync(searchId, hasWork, state, sequence);
        }
        catch (Exception e)
        {
            _advertised = null;
            logger.LogWarning(e, "search {SearchId}: could not tell the registry whether it has work; the next change retries", searchId);
        }
    }
}
