using System.Net;
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
        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, options);
            silo.AddMemoryGrainStorage(StorageNames.Searches);
            silo.UseInMemoryReminderService();
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
                });
            configureSilo?.Invoke(silo, options);
        });
        return options;
    }

    private static void ConfigureClustering(ISiloBuilder silo, HyperSearchOptions options)
    {
        switch (options.Clustering)
        {
            case "localhost":
                var primary = options.PrimarySiloPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
                break;
            default:
                throw new InvalidOperationException($"HyperSearch:Clustering '{options.Clustering}' is not supported (expected localhost or redis)");
        }
    }
}
