using System.Collections.Concurrent;
using System.Net;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Cluster.Tests;

/// <summary>In-process silos configured exactly as the silo executable configures itself (AddHyperSearchSilo),
/// without training slots, and Orleans clients; every log line is kept so tests can search them.</summary>
internal static class TestHosts
{
    public static async Task<IHost> StartSiloAsync(Action<HyperSearchOptions> configure, LogSink? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.AddHyperSearchSilo(o =>
        {
            o.Training.Enabled = false;
            o.CheckpointDirectory = Path.Combine(Path.GetTempPath(), "hypersearch-cluster-tests", "checkpoints");
            configure(o);
        });
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return host;
    }

    /// <summary>Starts a client; throws when it cannot connect within <paramref name="timeout"/>.</summary>
    public static async Task<IHost> StartClientAsync(Action<IClientBuilder> configure, TimeSpan timeout, LogSink? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.UseOrleansClient(configure);
        var host = builder.Build();
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            await host.StartAsync(cancel.Token);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public static void StaticGateway(IClientBuilder client, int gatewayPort, string clusterId)
    {
        client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
        client.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ServiceId = "hypersearch";
            o.ClusterId = clusterId;
        });
    }

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IClusterClient>();

    public static async Task StopQuietlyAsync(this IHost? host)
    {
        if (host is null)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Best effort: the test already has its result.
        }

        host.Dispose();
    }
}

/// <summary>Keeps every formatted log message (and exception text) of the hosts it is added to.</summary>
internal sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
