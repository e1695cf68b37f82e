using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Cli.Commands;

/// <summary>An Orleans client connected to a running cluster through its gateways
/// (--gateway host:port, repeatable, or HYPERSEARCH_GATEWAY=host:port[,host:port]).</summary>
internal sealed class ClusterConnection(IHost host) : IAsyncDisposable
{
    public IGrainFactory Grains { get; } = host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Reads the connection options now, so that unknown-option checks see them as used.</summary>
    public static Func<Task<ClusterConnection>> Prepare(CliArguments args, bool verbose)
    {
        var gateways = args.Options("gateway").SelectMany(g => g.Split(',')).ToList();
        if (gateways.Count == 0)
        {
            gateways = (Environment.GetEnvironmentVariable("HYPERSEARCH_GATEWAY") ?? "127.0.0.1:30000").Split(',').ToList();
        }

        var endpoints = gateways.Select(ParseEndpoint).ToArray();
        var serviceId = args.Option("service-id") ?? Environment.GetEnvironmentVariable("HYPERSEARCH_SERVICE_ID") ?? "hypersearch";
        var clusterId = args.Option("cluster-id") ?? Environment.GetEnvironmentVariable("HYPERSEARCH_CLUSTER_ID") ?? "dev";
        var connectTimeout = TimeSpan.FromSeconds(args.IntOption("connect-timeout") ?? 15);

        return () => ConnectAsync(gateways, endpoints, serviceId, clusterId, connectTimeout, verbose);
    }

    private static async Task<ClusterConnection> ConnectAsync(List<string> gateways, IPEndPoint[] endpoints, string serviceId, string clusterId, TimeSpan connectTimeout, bool verbose)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Critical);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ServiceId = serviceId;
                o.ClusterId = clusterId;
            });
        });
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(connectTimeout);
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new ConnectionException($"cannot connect to the cluster at {string.Join(", ", gateways)} (service {serviceId}, cluster {clusterId}): {e.GetBaseException().Message}");
        }

        return new ClusterConnection(host);
    }

    private static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port))
        {
            throw new UsageException($"gateway '{text}' is not host:port");
        }

        var hostName = text[..colon];
        var address = IPAddress.TryParse(hostName, out var ip)
            ? ip
            : Dns.GetHostAddresses(hostName).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
              ?? throw new ConnectionException($"gateway host '{hostName}' does not resolve");
        return new IPEndPoint(address, port);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}

/// <summary>The cluster cannot be reached: exit code 1.</summary>
internal sealed class ConnectionException(string message) : Exception(message);
