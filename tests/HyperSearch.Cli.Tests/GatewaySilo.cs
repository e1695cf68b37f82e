using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cli.Tests;

/// <summary>A one-silo cluster in this process, configured as the silo executable configures itself, on loopback
/// ports; the CLI reaches it with <c>--gateway 127.0.0.1:PORT --cluster-id ID</c>.</summary>
internal static class GatewaySilo
{
    public static IHost Build(string clusterId, int gatewayPort, Action<HyperSearchOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddHyperSearchSilo(o =>
        {
            o.Clustering = "localhost";
            o.SiloPort = LoopbackPorts.Reserve();
            o.GatewayPort = gatewayPort;
            o.ClusterId = clusterId;
            configure(o);
        });
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}
