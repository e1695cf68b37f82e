using System.Net;
using HyperSearch.Contracts.Trials;
using HyperSearch.Grains;
using HyperSearch.Grains.Hosting;
using HyperSearch.Grains.Search;
using HyperSearch.Grains.Security;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Runners;
using HyperSearch.Silo.Security;
using HyperSearch.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

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

        if (options.Security.CommandAllowList.FirstOrDefault(p => !Path.IsPathFullyQualified(p)) is { } relative)
        {
            throw new InvalidOperationException($"{SecurityOptions.Section}:CommandAllowList entry '{relative}' is not an absolute path");
        }

        var resources = SlotsFor(options.Training);
        options.Training.Slots = resources.Slots;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(resources);
        builder.Services.AddSingleton<ITrialRunner>(_ => new TrialRunnerRouter(
            new TorchTrialRunner(resources, options.DataDirectory),
            new CommandTrialRunner(),
            options.CommandTrialsRestricted ? options.Security.CommandAllowList : null));
        builder.Services.AddSingleton<ISearchAdmission>(new CoordinatorAdmission(options));

        // How long a finished search's series stay on /metrics (HyperSearch:Metrics:FinishedSearchRetention).
        builder.Services.Configure<HyperSearchMetricsOptions>(builder.Configuration.GetSection($"{HyperSearchOptions.Section}:Metrics"));
        var coordinatorSection = builder.Configuration.GetSection($"{HyperSearchOptions.Section}:Coordinator");
        var membershipSection = builder.Configuration.GetSection($"{HyperSearchOptions.Section}:Membership");
        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, options);
            // Orleans' own failure-detector knobs (ProbeTimeout, NumMissedProbesLimit, ...) under HyperSearch:Membership.
            silo.Services.Configure<ClusterMembershipOptions>(membershipSection);
            if (options.Tls.Enabled)
            {
                ConfigureTls(silo, options.Tls);
            }
            silo.AddHyperSearch(
                slots =>
                {
                    slots.Enabled = options.Training.Enabled;
                    slots.Slots = resources.Slots;
                    slots.EpochReportLinger = options.Training.EpochReportLinger ?? slots.EpochReportLinger;
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

    /// <summary>The GPUs are counted only where they matter (device auto or cuda on a training silo): counting loads libtorch.</summary>
    private static SlotResources SlotsFor(TrainingOptions training)
    {
        var cpuOnly = !training.Enabled || string.Equals(training.Device, "cpu", StringComparison.OrdinalIgnoreCase);
        var gpus = cpuOnly ? 0 : TorchRuntime.CudaDeviceCount;
        return new SlotResources(cpuOnly ? "cpu" : training.Device, gpus, training.Slots, training.TrialsPerGpu, training.Threads, Environment.ProcessorCount);
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

    /// <summary>Mutual TLS with certificate roles: silo port for silo certificates only, gateway for client
    /// certificates only, and the role filter on every call a client makes.</summary>
    private static void ConfigureTls(ISiloBuilder silo, TlsFileOptions files)
    {
        var certificate = TlsFiles.LoadCertificate(files);
        var authorities = TlsFiles.LoadAuthorities(files);
        if (CertificateRoles.Classify(certificate) != CertificateKind.Silo)
        {
            throw new InvalidOperationException($"TLS certificate '{files.CertificateFile}' is not a silo certificate " +
                $"(needs OU={CertificateRoles.SiloUnit} and both serverAuth and clientAuth usages; scripts/make-certs.sh issues one)");
        }

        silo.Services.AddSingleton<ConnectionGuard>();
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<ConnectionGuard>((connections, guard) =>
        {
            connections.ConfigureSiloInboundConnection(b =>
            {
                b.UseServerTls(guard.Server(certificate, authorities, "silo", CertificateKind.Silo));
                b.Use(next => c => guard.GuardSiloAsync(c, next));
            });
            connections.ConfigureGatewayInboundConnection(b =>
            {
                b.UseServerTls(guard.Server(certificate, authorities, "gateway", CertificateKind.Operator, CertificateKind.Viewer));
                b.Use(next => c => guard.GuardGatewayAsync(c, next));
            });
            connections.ConfigureSiloOutboundConnection(b => b.UseClientTls(guard.Outbound(certificate, authorities)));
        });
        silo.AddIncomingGrainCallFilter<RoleCallFilter>();
    }

    private static bool RunsInKubernetes =>
        Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null && Environment.GetEnvironmentVariable("POD_NAME") is not null;
}
