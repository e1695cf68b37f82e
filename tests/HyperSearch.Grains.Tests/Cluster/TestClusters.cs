using System.Collections.Concurrent;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>In-process clusters whose silos train with <see cref="FakeTrialRunner"/> (or the runner made per silo name);
/// silo i gets slotsPerSilo[i] slots.</summary>
internal static class TestClusters
{
    /// <param name="store">The searches' storage, shared by every silo and outliving them (default: a new one).</param>
    /// <param name="tickInterval">How often each coordinator checks its leases and reports its demand (default 200 ms).</param>
    public static async Task<InProcessTestCluster> StartAsync(FakeRunLog log, TimeSpan epochDelay, int[] slotsPerSilo, TimeSpan? leaseTimeout = null,
        Func<string, ITrialRunner>? runner = null, ConcurrentDictionary<string, (byte[] Data, string ETag)>? store = null, TimeSpan? tickInterval = null)
    {
        store ??= new ConcurrentDictionary<string, (byte[] Data, string ETag)>();
        var builder = new InProcessTestClusterBuilder((short)slotsPerSilo.Length);
        builder.ConfigureSilo((options, silo) =>
        {
            var index = int.Parse(options.SiloName.Split('_')[^1], System.Globalization.CultureInfo.InvariantCulture);
            var slots = index < slotsPerSilo.Length ? slotsPerSilo[index] : slotsPerSilo[^1];
            SharedMemoryGrainStorage.Register(silo, StorageNames.Searches, store);
            silo.AddHyperSearch(
                s =>
                {
                    s.Enabled = slots > 0;
                    s.Slots = slots;
                    s.IdlePoll = TimeSpan.FromSeconds(2);
                },
                c =>
                {
                    c.LeaseTimeout = leaseTimeout ?? TimeSpan.FromSeconds(30);
                    c.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    c.TickInterval = tickInterval ?? TimeSpan.FromMilliseconds(200);
                });
            silo.Services.AddSingleton(runner?.Invoke(options.SiloName) ?? new FakeTrialRunner(log, options.SiloName, epochDelay));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
