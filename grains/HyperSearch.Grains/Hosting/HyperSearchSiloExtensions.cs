using HyperSearch.Grains.Search;
using HyperSearch.Grains.Slots;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Grains.Trials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        services.AddHostedService<TrainingWorkerService>();
        return silo;
    }
}
