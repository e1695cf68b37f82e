using System.Net;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using HyperSearch.Grains;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Runners;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Trials;
using HyperSearch.Silo.Runners;
using HyperSearch.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Silo.Hosting;

/// <summary>Wires a HyperSearch silo into any .NET host: the silo executable and the CLI's embedded silo.</summary>
public static class HyperSearchSiloHost
{
    /// <param name="overrides">Applied after configuration is read (the CLI's embedded silo sets ports and folders).</param>
    /// <param name="configureSilo">Extra silo configuration from the host (dashboard, telemetry).</param>
    public static HyperSearchOptions AddHyperSearchSilo(
        this IHostApplicationBuilder builder,
        Action<HyperSearchOptions>? overrides = null,
        Action<ISiloBuilder, HyperSearchOptions>? configureSilo = null)
    {
        var options = builder.Configuration.GetSection(HyperSearchOptions.Section).Get<HyperSearchOptions>() ?? new HyperSearchOptions();
        overrides?.Invoke(options);
        if (options.Training.Enabled)
        {
            // Allocator settings must precede the first tensor in the process.
            TorchRuntime.Initialize(options.Training.Threads);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ITrialRunner>(_ => new TrialRunnerRouter(
            new TorchTrialRunner(options.Training.Device, options.DataDirectory),
            new CommandTrialRunner()));

        var coordinatorSection = builder.Configuration.GetSection($"{HyperSearchOptions.Section}:Coordinator");
        var membershipSection = builder.Configuration.GetSection($"{HyperSearchOptions.Section}:Membership");
        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, options);
            // Orleans' own failure-detector knobs (ProbeTimeout, NumMissedProbesLimit, ...) under HyperSearch:Membership.
            silo.Services.Configure<ClusterMembershipOptions>(membershipSection);
            if (options.Tls.Enabled)
            {
                silo.UseTls(tls => TlsFiles.Configure(tls, options.Tls));
            }
            silo.AddHyperSearch(
                slots =>
                {
                    slots.Enabled = options.Training.Enabled;
                    slots.Slots = options.Training.Slots;
                },
                coordinator =>
                {
                    coordinatorSection.Bind(coordinator);
                    coordinator.CheckpointDirectory = options.CheckpointDirectory;
                    // One local silo owns its stored state: trials it had running when it died run nowhere now.
                    coordinator.RequeueRunningOnActivation |= options.Clustering.Equals("localhost", StringComparison.OrdinalIgnoreCase) && options.StateDirectory is not null;
                });
            configureSilo?.Invoke(silo, options);
        });
        return options;
    }

    /// <summary>Membership, grain storage and reminders: all in memory (embedded, service-free) or all in Redis.</summary>
    private static void ConfigureClustering(ISiloBuilder silo, HyperSearchOptions options)
    {
        switch (options.Clustering.ToLowerInvariant())
        {
            case "localhost":
                var primary = options.PrimarySiloPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
                if (options.StateDirectory is { } stateDirectory)
                {
                    // The embedded run: state in its run directory, resumed explicitly (run --resume), so no reminders
                    // (an in-memory reminder table only failed noisily while the silo stopped).
                    silo.AddSearchFileStorage(stateDirectory);
                }
                else
                {
                    silo.AddSearchMemoryStorage();
                    silo.UseInMemoryReminderService();
                }

                break;
            case "redis":
                var redis = RedisConnection.Create(options.Redis.ConnectionString ?? "", options.Redis.PasswordFile, options.Redis.Database);
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = options.ServiceId;
                    o.ClusterId = options.ClusterId;
                });
                silo.Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = options.SiloPort;
                    o.GatewayPort = options.GatewayPort;
                    if (!string.IsNullOrWhiteSpace(options.AdvertisedAddress))
                    {
                        o.AdvertisedIPAddress = IPAddress.Parse(options.AdvertisedAddress);
                    }
                });
                silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
                silo.AddRedisGrainStorage(StorageNames.Searches, storage => storage.Configure<IServiceProvider>((o, services) =>
                {
                    o.ConfigurationOptions = redis.Clone();
                    // Orleans' binary format: the state types are [GenerateSerializer] and version-tolerant by [Id].
                    o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>());
                }));
                silo.UseRedisReminderService(o => o.ConfigurationOptions = redis.Clone());
                if (options.Kubernetes ?? RunsInKubernetes)
                {
                    // Pod name, pod IP and the orleans/serviceId|clusterId labels; silos whose pod is gone are declared dead.
                    silo.UseKubernetesHosting();
                }

                break;
            default:
                throw new InvalidOperationException($"HyperSearch:Clustering '{options.Clustering}' is not supported (expected localhost or redis)");
        }
    }

    private static bool RunsInKubernetes =>
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null && Environment.GetEnvironmentVariable("POD_NAME") is not null;
}
