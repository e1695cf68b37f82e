using System.Net;
using HyperSearch.Cli.Parsing;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Cli.Commands;

/// <summary>An Orleans client connected to a running cluster, either through static gateways (--gateway host:port,
/// repeatable, or HYPERSEARCH_GATEWAY=host:port[,host:port]) or by finding the live gateways in the cluster's Redis
/// membership table (--redis host:port or HYPERSEARCH_REDIS; password from --redis-password-file,
/// HYPERSEARCH_REDIS_PASSWORD_FILE or REDIS_PASSWORD). TLS (--tls-cert, --tls-key, --tls-ca, --tls-password-file or HYPERSEARCH_TLS_*)
/// when the cluster requires it.</summary>
internal sealed class ClusterConnection(IHost host) : IAsyncDisposable
{
    public IGrainFactory Grains { get; } = host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Checks the connection options now (bad input fails before anything starts); connects when called.</summary>
    public static Func<Task<ClusterConnection>> Prepare(ConnectionSettings args)
    {
        var gateways = args.Gateways.SelectMany(g => g.Split(',')).ToList();
        var redis = args.Redis ?? Environment.GetEnvironmentVariable("HYPERSEARCH_REDIS");
        var redisPasswordFile = args.RedisPasswordFile ?? Environment.GetEnvironmentVariable("HYPERSEARCH_REDIS_PASSWORD_FILE");
        var tls = new TlsFileOptions
        {
            CertificateFile = args.TlsCert ?? Environment.GetEnvironmentVariable("HYPERSEARCH_TLS_CERT"),
            KeyFile = args.TlsKey ?? Environment.GetEnvironmentVariable("HYPERSEARCH_TLS_KEY"),
            CaFile = args.TlsCa ?? Environment.GetEnvironmentVariable("HYPERSEARCH_TLS_CA"),
            // A PKCS#12 (.p12/.pfx) certificate's password; HYPERSEARCH_TLS_PASSWORD when neither is set.
            PasswordFile = args.TlsPasswordFile ?? Environment.GetEnvironmentVariable("HYPERSEARCH_TLS_PASSWORD_FILE"),
        };
        if (gateways.Count > 0 && args.Redis is not null)
        {
            throw new UsageException("give either --gateway or --redis, not both");
        }

        if (gateways.Count == 0 && string.IsNullOrWhiteSpace(redis))
        {
            gateways = (Environment.GetEnvironmentVariable("HYPERSEARCH_GATEWAY") ?? "127.0.0.1:30000").Split(',').ToList();
        }

        if (tls.Enabled != !string.IsNullOrWhiteSpace(tls.CaFile))
        {
            throw new UsageException("TLS needs both --tls-cert (with --tls-key unless the PEM holds the key) and --tls-ca");
        }

        var serviceId = args.ServiceId ?? Environment.GetEnvironmentVariable("HYPERSEARCH_SERVICE_ID") ?? "hypersearch";
        var clusterId = args.ClusterId ?? Environment.GetEnvironmentVariable("HYPERSEARCH_CLUSTER_ID") ?? "dev";
        var connectTimeout = TimeSpan.FromSeconds(args.ConnectTimeoutSeconds ?? 15);
        var target = new Target(gateways.Count > 0 ? gateways : null, gateways.Count > 0 ? null : redis, redisPasswordFile, tls, serviceId, clusterId);
        var endpoints = target.Gateways?.Select(ParseEndpoint).ToArray();
        return () => ConnectAsync(target, endpoints, connectTimeout, args.Verbose);
    }

    private sealed record Target(List<string>? Gateways, string? Redis, string? RedisPasswordFile, TlsFileOptions Tls, string ServiceId, string ClusterId)
    {
        /// <summary>Where we tried to connect, for error messages: never the Redis password.</summary>
        public string Describe() => Gateways is not null
            ? $"{string.Join(", ", Gateways)} (service {ServiceId}, cluster {ClusterId})"
            : $"redis {RedisConnection.Describe(StackExchange.Redis.ConfigurationOptions.Parse(Redis!))} (service {ServiceId}, cluster {ClusterId})";
    }

    private static async Task<ClusterConnection> ConnectAsync(Target target, IPEndPoint[]? endpoints, TimeSpan connectTimeout, bool verbose)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Critical);
        IHost? host = null;
        try
        {
            builder.UseOrleansClient(client =>
            {
                if (endpoints is not null)
                {
                    client.UseStaticClustering(endpoints);
                }
                else
                {
                    var redis = RedisConnection.Create(target.Redis!, target.RedisPasswordFile);
                    client.UseRedisClustering(o => o.ConfigurationOptions = redis);
                }

                client.Configure<Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ServiceId = target.ServiceId;
                    o.ClusterId = target.ClusterId;
                });
                if (target.Tls.Enabled)
                {
                    var certificate = TlsFiles.LoadCertificate(target.Tls);
                    var authorities = TlsFiles.LoadAuthorities(target.Tls);
                    client.UseTls(tls => TlsFiles.Configure(tls, certificate, authorities));
                }
            });
            host = builder.Build();
            using var timeout = new CancellationTokenSource(connectTimeout);
            await host.StartAsync(timeout.Token);
        }
        catch (Exception e) when (e is not UsageException)
        {
            host?.Dispose();
            throw new ConnectionException($"cannot connect to the cluster at {target.Describe()}: {e.GetBaseException().Message}");
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
