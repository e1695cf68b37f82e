using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Grains;

/// <summary>Which searches exist and which have work for idle training slots (single instance, key 0).</summary>
[Alias("HyperSearch.ISearchRegistryGrain")]
public interface ISearchRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task RegisterAsync(SearchSummary summary);

    [Alias("List")]
    Task<IReadOnlyList<SearchSummary>> ListAsync();

    /// <summary>Records whether a search has work for a slot; every call advances the version. Coordinators do not
    /// wait for this call, so <paramref name="sequence"/> (increasing per search, across coordinator activations) discards updates that arrive late.</summary>
    [Alias("SetWork")]
    Task SetWorkAvailableAsync(string searchId, bool available, SearchState state, long sequence);

    /// <summary>Long poll: returns at once when the version is newer than <paramref name="seenVersion"/>,
    /// otherwise when it changes or after <paramref name="maxWait"/>.</summary>
    /// <summary>A coordinator's demand (the slots it could use now) and the slots it holds, reported every tick; returns
    /// how many slots it may hold: null when the cluster's slots cover every search's demand, else its max-min fair
    /// share. Idle slots are offered the searches furthest below their share first.</summary>
    [Alias("ShareSlots")]
    Task<int?> ShareSlotsAsync(string searchId, int demand, int running);

    /// <summary>A training silo's slot count, announced at start and every few seconds (the supply fair shares divide).</summary>
    [Alias("AnnounceSlots")]
    Task AnnounceSlotsAsync(string siloName, int slots);

    [Alias("WaitForWork")]
    Task<WorkAvailability> WaitForWorkAsync(long seenVersion, TimeSpan maxWait);
}

[GenerateSerializer, Immutable, Alias("HyperSearch.WorkAvailability")]
public sealed record WorkAvailability(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<string> SearchesWithWork);
