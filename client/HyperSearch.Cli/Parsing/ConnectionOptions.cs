using System.CommandLine;

namespace HyperSearch.Cli.Parsing;

/// <summary>What the command line says about reaching a cluster; environment fallbacks are applied by
/// ClusterConnection.</summary>
internal sealed record ConnectionSettings(
    IReadOnlyList<string> Gateways,
    string? Redis,
    string? RedisPasswordFile,
    string? TlsCert,
    string? TlsKey,
    string? TlsCa,
    string? TlsPasswordFile,
    string? ServiceId,
    string? ClusterId,
    int? ConnectTimeoutSeconds,
    bool Verbose);

/// <summary>The options of every command that can talk to a cluster (one set per command: an option belongs to one
/// command).</summary>
internal sealed class ConnectionOptions
{
    private readonly Option<string[]> _gateway = CliSymbols.Repeated("--gateway", "HOST:PORT", "a cluster gateway (repeatable, or host:port,host:port; default HYPERSEARCH_GATEWAY or 127.0.0.1:30000)");
    private readonly Option<string?> _redis = CliSymbols.Text("--redis", "HOST:PORT", "find the gateways in the cluster's Redis membership table (default HYPERSEARCH_REDIS)");
    private readonly Option<string?> _redisPasswordFile = CliSymbols.Text("--redis-password-file", "FILE", "Redis password file (default HYPERSEARCH_REDIS_PASSWORD_FILE or REDIS_PASSWORD)");
    private readonly Option<string?> _tlsCert = CliSymbols.Text("--tls-cert", "PEM|P12", "client certificate when the cluster requires TLS (default HYPERSEARCH_TLS_CERT)");
    private readonly Option<string?> _tlsKey = CliSymbols.Text("--tls-key", "PEM", "the certificate's private key, unless the PEM holds it (default HYPERSEARCH_TLS_KEY)");
    private readonly Option<string?> _tlsCa = CliSymbols.Text("--tls-ca", "PEM", "the cluster's certificate authority (default HYPERSEARCH_TLS_CA)");
    private readonly Option<string?> _tlsPasswordFile = CliSymbols.Text("--tls-password-file", "FILE", "a PKCS#12 certificate's password (default HYPERSEARCH_TLS_PASSWORD_FILE)");
    private readonly Option<string?> _serviceId = CliSymbols.Text("--service-id", "S", "Orleans service id (default HYPERSEARCH_SERVICE_ID or hypersearch)");
    private readonly Option<string?> _clusterId = CliSymbols.Text("--cluster-id", "C", "Orleans cluster id (default HYPERSEARCH_CLUSTER_ID or dev)");
    private readonly Option<int?> _connectTimeout = CliSymbols.Integer("--connect-timeout", 1, "SECONDS", "give up connecting after this long (default 15)");
    private readonly Option<bool> _verbose = CliSymbols.Flag("--verbose", "log the Orleans client's progress");

    public ConnectionOptions(Command command)
    {
        Option[] all = [_gateway, _redis, _redisPasswordFile, _tlsCert, _tlsKey, _tlsCa, _tlsPasswordFile, _serviceId, _clusterId, _connectTimeout, _verbose];
        foreach (var option in all)
        {
            command.Add(option);
        }
    }

    /// <summary>Whether --gateway was given: it forces the cluster over a local run directory.</summary>
    public bool GatewayGiven(ParseResult parsed) => (parsed.GetValue(_gateway) ?? []).Length > 0;

    public ConnectionSettings Read(ParseResult parsed) => new(
        parsed.GetValue(_gateway) ?? [],
        parsed.GetValue(_redis),
        parsed.GetValue(_redisPasswordFile),
        parsed.GetValue(_tlsCert),
        parsed.GetValue(_tlsKey),
        parsed.GetValue(_tlsCa),
        parsed.GetValue(_tlsPasswordFile),
        parsed.GetValue(_serviceId),
        parsed.GetValue(_clusterId),
        parsed.GetValue(_connectTimeout),
        parsed.GetValue(_verbose));
}
