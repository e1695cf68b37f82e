using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Tests.Cluster;

namespace HyperSearch.Grains.Tests.Recovery;

/// <summary>The stall a chaos run found: a coordinator that reactivated after its silo died numbered its work
/// advertisements from 1 again, and the registry dropped them as late, so idle slots never learned of a requeued trial.</summary>
public sealed class RegistryOrderingTests
{
    [Fact]
    public async Task The_registry_takes_a_reactivated_coordinators_first_advertisement_and_drops_its_predecessors_late_ones()
    {
        await using var cluster = await TestClusters.StartAsync(new FakeRunLog(), TimeSpan.FromMilliseconds(10), [0]);
        var registry = cluster.Client.GetGrain<ISearchRegistryGrain>(0);
        await registry.RegisterAsync(new SearchSummary("s", "s", SearchState.Running, DateTimeOffset.UtcNow));

        // Generation 1 advertised many times; its last word: no work (every slot busy).
        for (var n = 1; n <= 40; n++)
        {
            await registry.SetWorkAvailableAsync("s", n % 2 == 1, SearchState.Running, WorkAdvertiser.AdvertisementSequence(1, n));
        }

        Assert.DoesNotContain("s", (await registry.WaitForWorkAsync(-1, TimeSpan.Zero)).SearchesWithWork);

        // Generation 2 (its silo died, it reactivated elsewhere) requeued a trial: its first advertisement counts.
        await registry.SetWorkAvailableAsync("s", true, SearchState.Running, WorkAdvertiser.AdvertisementSequence(2, 1));
        Assert.Contains("s", (await registry.WaitForWorkAsync(-1, TimeSpan.Zero)).SearchesWithWork);

        // A late message from the dead generation does not undo it.
        await registry.SetWorkAvailableAsync("s", false, SearchState.Running, WorkAdvertiser.AdvertisementSequence(1, 41));
        Assert.Contains("s", (await registry.WaitForWorkAsync(-1, TimeSpan.Zero)).SearchesWithWork);
    }
}
