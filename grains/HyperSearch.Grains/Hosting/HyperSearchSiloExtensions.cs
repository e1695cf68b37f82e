using HyperSearch.Grains.Search;
using HyperSearch.Grains.Security;
using HyperSearch.Grains.Slots;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;
using Orleans.Storage;

namespace HyperSearch.Grains.Hosting;

public static class HyperSearchSiloExtensions
{
    /// <summary>Registers the coordinator, the trial grains and this silo's training slots. The caller supplies
    /// grain storage named <see cref="StorageNames.Searches"/> and an <see cref="ITrialRunner"/> when the silo trains.</summary>
    public static ISiloBuilder AddHyperSearch(
        this ISiloBuilder silo,
        Action<TrainingSlotOptions>? configureSlots = null,
        Action<CoordinatorOptions>? configureCoordinator = null)
    {
        var services = silo.Services;
        services.AddOptions<TrainingSlotOptions>();
        services.AddOptions<CoordinatorOptions>();
        if (configureSlots is not null)
        {
            services.Configure(configureSlots);
        }

        if (configureCoordinator is not null)
        {
            services.Configure(configureCoordinator);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HyperSearchMetrics>();
        services.TryAddSingleton<RunningTrials>();
        services.TryAddSingleton<EpochReportBatcher>();
        services.TryAddSingleton<ISearchAdmission, AdmitAll>();
        services.TryAddSingleton<ClientRoles>();
        services.AddHostedService<TrainingWorkerService>();
        return silo;
    }

    /// <summary>In-memory grain storage for <see cref="StorageNames.Searches"/> (embedded mode, benchmarks).</summary>
    /// <remarks>Orleans' binary format, as for Redis: the default storage serializer is Newtonsoft JSON, which turned
    /// every coordinator write of a 2,000-trial table into ~30 ms of reflection.</remarks>
    public static ISiloBuilder AddSearchMemoryStorage(this ISiloBuilder silo) =>
        silo.AddMemoryGrainStorage(StorageNames.Searches, storage => storage.Configure<IServiceProvider>((o, services) =>
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>())));

    /// <summary>File-backed grain storage for <see cref="StorageNames.Searches"/> in <paramref name="directory"/>: the
    /// embedded silo's state survives the process (see <see cref="FileGrainStorage"/>).</summary>
    public static ISiloBuilder AddSearchFileStorage(this ISiloBuilder silo, string directory)
    {
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Searches, (services, _) =>
            new Persistence.FileGrainStorage(directory, new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>())));
        return silo;
    }
}
