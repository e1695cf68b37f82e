using System.Collections.Concurrent;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace HyperSearch.Bench.Scale;

/// <summary>An in-process cluster of sleep-training silos with the search storage in process memory or in a real
/// redis-server, instrumented: coordinator and registry call latency, storage write time, epochs reported.</summary>
internal sealed class ScaleCluster : IAsyncDisposable
{
    private const string RedisStorage = "searches-redis";

    private ScaleCluster(InProcessTestCluster cluster, string checkpoints)
    {
        Cluster = cluster;
        Checkpoints = checkpoints;
    }

    public InProcessTestCluster Cluster { get; }

    public string Checkpoints { get; }

    public CallLatencies Calls { get; } = new();

    public ScaleCounters Counters { get; } = new();

    /// <summary>Write time per storage record name ("search" = snapshot, "search-journal" = journal, "registry").</summary>
    public ConcurrentDictionary<string, LatencyLog> Writes { get; } = new(StringComparer.Ordinal);

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The search storage as the silos see it, for seeding records directly.</summary>
    public IGrainStorage Storage => Cluster.Silos[0].SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Searches);

    public static async Task<ScaleCluster> StartAsync(int silos, int slotsPerSilo, RedisProcess? redis)
    {
        var checkpoints = CheckpointRoot();
        var memory = new ConcurrentDictionary<string, (byte[] Data, string ETag)>();
        ScaleCluster? self = null;
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            if (redis is null)
            {
                silo.Services.AddGrainStorage(StorageNames.Searches, (services, _) =>
                    new TimedGrainStorage(new ProcessMemoryGrainStorage(memory, services.GetRequiredService<Serializer>()), self!.Writes));
            }
            else
            {
                silo.AddRedisGrainStorage(RedisStorage, storage => storage.Configure<IServiceProvider>((o, services) =>
                {
                    o.ConfigurationOptions = redis.Options;
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
                }));
                silo.Services.AddGrainStorage(StorageNames.Searches, (services, _) =>
                    new TimedGrainStorage(services.GetRequiredKeyedService<IGrainStorage>(RedisStorage), self!.Writes));
            }

            silo.AddHyperSearch(
                s => s.Slots = slotsPerSilo,
                // Production lease and heartbeat settings.
                c => c.CheckpointDirectory = checkpoints);
            silo.AddOutgoingGrainCallFilter(context => self!.Calls.RecordAsync(context));
            silo.AddIncomingGrainCallFilter(context => self!.Calls.RecordInsideAsync(context));
            silo.Services.AddSingleton<ITrialRunner>(_ => new EpochSleepRunner(self!.Counters));
        });
        var cluster = builder.Build();
        self = new ScaleCluster(cluster, checkpoints);
        await cluster.DeployAsync();
        return self;
    }

    /// <summary>Each silo of a real cluster has its own checkpoint volume; here all 16 share one. On the ext4 disk of
    /// the machine this was measured on, every trial's attempt folder (made, then removed at promotion) at 1,000 trials/s
    /// cost 22 % of the two cores in the file system's inode allocator, which a node of a real cluster, at a few trials a
    /// minute, never pays. A memory file system where there is one (HYPERSEARCH_SCALE_CHECKPOINTS names another).</summary>
    private static string CheckpointRoot()
    {
        var root = Environment.GetEnvironmentVariable("HYPERSEARCH_SCALE_CHECKPOINTS") is { Length: > 0 } chosen ? chosen
            : Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var folder = Path.Combine(root, $"hypersearch-scale-checkpoints-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The cluster membership's version as the first silo sees it.</summary>
    public long MembershipVersion => Cluster.Silos[0].SiloHost.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Version.Value;

    /// <summary>The silo hosting <paramref name="grain"/>'s activation, if any.</summary>
    public async Task<InProcessSiloHandle?> HostOfAsync(GrainId grain)
    {
        var statistics = await Cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var address = statistics.FirstOrDefault(s => s.GrainId == grain)?.SiloAddress;
        return Cluster.Silos.FirstOrDefault(s => s.SiloAddress == address);
    }

    public async ValueTask DisposeAsync()
    {
        // Killed, not stopped: a graceful stop waits out every slot's registry long poll (10 s per silo), and
        // nothing of this cluster is needed any more.
        foreach (var silo in Cluster.Silos.ToList())
        {
            await Cluster.KillSiloAsync(silo);
        }

        await Cluster.DisposeAsync();
        try
        {
            Directory.Delete(Checkpoints, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
