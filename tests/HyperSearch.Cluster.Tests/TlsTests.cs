using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Security;
using HyperSearch.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Connections.Security;
using Orleans.Runtime;

namespace HyperSearch.Cluster.Tests;

/// <summary>Two silos with mutual TLS and certificate roles (HyperSearch:Tls:*), joined over TLS; every log line of
/// both is kept, so tests can see why a connection or call was refused.</summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..12];

    public int GatewayPort { get; } = Ports.Free();

    public int PrimarySiloPort { get; } = Ports.Free();

    internal TestCertificates Authority { get; private set; } = null!;

    internal TestCertificates OtherAuthority { get; private set; } = null!;

    internal LogSink PrimaryLogs { get; } = new();

    internal LogSink SecondaryLogs { get; } = new();

    public IHost Primary { get; private set; } = null!;

    public IHost Secondary { get; private set; } = null!;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"hypersearch-tls-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Authority = new TestCertificates(Path.Combine(_directory, "cluster"), "HyperSearch Test CA");
        OtherAuthority = new TestCertificates(Path.Combine(_directory, "other"), "Someone Else's CA");
        var primaryTls = Authority.Issue("silo-0");
        var secondaryTls = Authority.Issue("silo-1");
        Primary = await TestHosts.StartSiloAsync(o =>
        {
            o.ClusterId = ClusterId;
            o.SiloPort = PrimarySiloPort;
            o.GatewayPort = GatewayPort;
            o.Tls = primaryTls;
        }, PrimaryLogs);
        Secondary = await TestHosts.StartSiloAsync(o =>
        {
            o.ClusterId = ClusterId;
            o.SiloPort = Ports.Free();
            o.GatewayPort = Ports.Free();
            o.PrimarySiloPort = PrimarySiloPort;
            o.Tls = secondaryTls;
        }, SecondaryLogs);
    }

    /// <summary>Waits until a line of either silo's log satisfies <paramref name="match"/>; fails after 20 s.</summary>
    internal async Task<string> WaitForLogAsync(Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var line = PrimaryLogs.Lines.Concat(SecondaryLogs.Lines).FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"no silo logged {what}");
            }

            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await Secondary.StopQuietlyAsync();
        await Primary.StopQuietlyAsync();
        Authority.Dispose();
        OtherAuthority.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class TlsTests(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A refused handshake makes the client retry until its deadline; this bounds the negative tests.</summary>
    private static readonly TimeSpan RefusedTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Silos_join_each_other_over_tls()
    {
        var membership = cluster.Primary.Services.GetRequiredService<IClusterMembershipService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(2, membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
        // The primary accepted silo-1's connection to its silo port after a TLS handshake with silo-1's certificate.
        var accepted = await cluster.WaitForLogAsync(l => l.Contains("security: accepted CN=silo-1") && l.Contains("at the silo port"), "silo-1 accepted");
        Assert.Matches("over Tls1[23]", accepted);
    }

    [Fact]
    public async Task Operator_and_viewer_clients_connect_and_only_the_operator_may_start()
    {
        var viewer = await ConnectAsync(cluster.Authority.Issue("cli-viewer", CertificateKind.Viewer));
        var operatorClient = await ConnectAsync(cluster.Authority.Issue("cli-operator", CertificateKind.Operator));
        try
        {
            Assert.NotNull(await viewer.Grains().GetGrain<ISearchRegistryGrain>(0).ListAsync());
            var refused = await Assert.ThrowsAsync<AccessRefusedException>(() =>
                viewer.Grains().GetGrain<ISearchGrain>("tls-viewer-start").StartAsync(TestSpecs.Tiny("viewer")));
            Assert.Contains("CN=cli-viewer", refused.Message);
            Assert.Contains("StartAsync: needs the operator role", refused.Message);

            // Methods only silos call are refused to every client, operators included.
            var internalCall = await Assert.ThrowsAsync<AccessRefusedException>(() =>
                operatorClient.Grains().GetGrain<ISearchGrain>("tls-lease").LeaseAsync("intruder"));
            Assert.Contains("silo-internal method", internalCall.Message);
            var management = await Assert.ThrowsAsync<AccessRefusedException>(() =>
                operatorClient.Grains().GetGrain<IManagementGrain>(0).GetHosts());
            Assert.Contains("IManagementGrain.GetHosts", management.Message);

            await operatorClient.Grains().GetGrain<ISearchGrain>("tls-operator-start").StartAsync(TestSpecs.Tiny("operator"));
            Assert.NotNull(await viewer.Grains().GetGrain<ISearchGrain>("tls-operator-start").GetSpecAsync());
        }
        finally
        {
            await viewer.StopQuietlyAsync();
            await operatorClient.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_grain_on_the_other_silo_learns_the_clients_role_from_the_gateway_silo()
    {
        // The client connects to the primary's gateway only. Coordinators are activated from inside the secondary (where
        // placement puts them, which the management grain confirms), so the viewer's calls to them are forwarded there,
        // and the secondary's filter must look the viewer's role up (or it would refuse an unknown client).
        var onSecondary = await CoordinatorsOnSecondaryAsync("tls-cross");
        var viewer = await ConnectAsync(cluster.Authority.Issue("cli-cross", CertificateKind.Viewer));
        try
        {
            foreach (var id in onSecondary)
            {
                Assert.Null(await viewer.Grains().GetGrain<ISearchGrain>(id).GetSpecAsync());
            }

            Assert.Contains(cluster.Secondary.Services.GetRequiredService<HyperSearch.Grains.Security.ClientRoles>().Known,
                c => c.Name.StartsWith("CN=cli-cross", StringComparison.Ordinal) && c.Role == HyperSearch.Grains.Security.ClientRole.Viewer);
        }
        finally
        {
            await viewer.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_hand_written_client_cannot_skip_the_specs_checks()
    {
        // Structurally valid YAML, but a knob the trainer does not have: the CLI would refuse it.
        const string yaml = """
            name: bypass
            dataset: fashion-mnist
            search: { sampler: random, scheduler: none, max_trials: 2, seed: 1 }
            training: { epochs: 1, conv9_filters: 8 }
            """;
        var spec = SpecParser.Parse(yaml).Spec!;
        var cli = Assert.Throws<SpecException>(() => SpecLoader.Parse(yaml, "bypass.yaml", checkData: false));
        var client = await ConnectAsync(cluster.Authority.Issue("cli-bypass", CertificateKind.Operator));
        try
        {
            var refused = await Assert.ThrowsAsync<SpecRejectedException>(() =>
                client.Grains().GetGrain<ISearchGrain>("tls-bypass").StartAsync(spec));
            // The CLI's own messages, field by field; and nothing was started.
            Assert.Equal(cli.Errors.Select(e => (e.Field, e.Message)), refused.Fields.Zip(refused.Messages));
            Assert.Null(await client.Grains().GetGrain<ISearchGrain>("tls-bypass").GetSpecAsync());
        }
        finally
        {
            await client.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task No_log_line_holds_a_private_key()
    {
        // Some traffic first: a client connects and is accepted, another is refused.
        var viewer = await ConnectAsync(cluster.Authority.Issue("cli-keys", CertificateKind.Viewer));
        await viewer.StopQuietlyAsync();
        await cluster.WaitForLogAsync(l => l.Contains("security: accepted CN=cli-keys"), "cli-keys accepted");
        var keys = Directory.GetFiles(cluster.Authority.Directory, "*.key.pem")
            .Select(f => string.Concat(File.ReadAllLines(f).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))))
            .ToList();
        Assert.NotEmpty(keys);
        var lines = cluster.PrimaryLogs.Lines.Concat(cluster.SecondaryLogs.Lines).ToList();
        foreach (var key in keys)
        {
            // The beginning or the end of a key's base64 in any line would be a leak.
            Assert.DoesNotContain(lines, l => l.Contains(key[..24], StringComparison.Ordinal) || l.Contains(key[^24..], StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Client_with_a_certificate_from_another_ca_is_refused_by_the_gateway()
    {
        var rogue = cluster.OtherAuthority.Issue("cli-rogue", CertificateKind.Operator);
        await AssertRefusedAsync(c => c.UseTls(o =>
        {
            TlsFiles.Configure(o, rogue);
            // Trust the server blindly: the rejection under test is the silo's, of our certificate.
            o.AllowAnyRemoteCertificate();
        }), l => l.Contains("security: refused CN=cli-rogue") && l.Contains("at the gateway port: certificate not issued by the cluster's CA"));
    }

    [Fact]
    public async Task Client_with_an_expired_certificate_is_refused_by_the_gateway()
    {
        var expired = cluster.Authority.Issue("cli-expired", CertificateKind.Operator, notAfter: DateTimeOffset.UtcNow.AddDays(-2));
        await AssertRefusedAsync(c => c.UseTls(o => TlsFiles.Configure(o, expired)),
            l => l.Contains("security: refused CN=cli-expired") && l.Contains("certificate expired or not yet valid"));
    }

    [Fact]
    public async Task Silo_certificate_is_refused_at_the_gateway()
    {
        var silo = cluster.Authority.Issue("silo-as-client");
        await AssertRefusedAsync(c => c.UseTls(o => TlsFiles.Configure(o, silo)),
            l => l.Contains("security: refused CN=silo-as-client") && l.Contains("a silo certificate is not accepted here"));
    }

    [Fact]
    public async Task Client_with_tls_but_no_certificate_is_refused_by_the_gateway()
    {
        var before = RefusalsWithoutCertificate();
        await AssertRefusedAsync(c => c.UseTls(o =>
        {
            o.ClientCertificateMode = RemoteCertificateMode.NoCertificate;
            o.AllowAnyRemoteCertificate();
        }), _ => RefusalsWithoutCertificate() > before);
    }

    [Fact]
    public async Task Client_without_tls_fails_the_gateways_tls_handshake()
    {
        var before = HandshakeFailures();
        await AssertRefusedAsync(_ => { }, _ => HandshakeFailures() > before);
    }

    [Fact]
    public async Task Client_certificate_cannot_join_as_a_silo()
    {
        // A silo configured with a client certificate does not start...
        var client = cluster.Authority.Issue("cli-as-silo-config", CertificateKind.Operator);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHosts.StartSiloAsync(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.SiloPort = Ports.Free();
            o.GatewayPort = Ports.Free();
            o.PrimarySiloPort = cluster.PrimarySiloPort;
            o.Tls = client;
        }));
        Assert.Contains("is not a silo certificate", refused.Message);

        // ...and the handshake a joining silo makes, with a client certificate, is refused at the silo port.
        var sneaky = cluster.Authority.Issue("cli-sneaky", CertificateKind.Operator);
        using var certificate = TlsFiles.LoadCertificate(sneaky);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, cluster.PrimarySiloPort);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = TlsFiles.TargetHost,
                ClientCertificates = new X509CertificateCollection { certificate },
            });
            // TLS 1.3 reports the server's verdict on our certificate at the first read.
            await ssl.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
        }

        await cluster.WaitForLogAsync(l => l.Contains("security: refused CN=cli-sneaky") && l.Contains("at the silo port: a operator certificate is not accepted here"),
            "the silo port refusing a client certificate");
    }

    private int RefusalsWithoutCertificate() =>
        cluster.PrimaryLogs.Lines.Count(l => l.Contains("security: refused peer") && l.Contains("at the gateway port: no client certificate"));

    /// <summary>Orleans' TLS middleware logs every failed handshake.</summary>
    private int HandshakeFailures() =>
        cluster.PrimaryLogs.Lines.Count(l => l.Contains("Orleans.Connections.Security.TlsServerConnectionMiddleware") && l.Contains("Authentication failed"));

    private async Task<IHost> ConnectAsync(TlsFileOptions tls) =>
        await TestHosts.StartClientAsync(c =>
        {
            TestHosts.StaticGateway(c, cluster.GatewayPort, cluster.ClusterId);
            c.UseTls(o => TlsFiles.Configure(o, tls));
        }, ConnectTimeout);

    /// <summary>The client cannot connect, and the silos logged the rejection <paramref name="refusal"/> describes
    /// (so a wrong port, a cluster-id mismatch or a slow start cannot pass for a refusal).</summary>
    private async Task AssertRefusedAsync(Action<IClientBuilder> configure, Func<string, bool> refusal)
    {
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var client = await TestHosts.StartClientAsync(c =>
            {
                TestHosts.StaticGateway(c, cluster.GatewayPort, cluster.ClusterId);
                configure(c);
            }, RefusedTimeout);
            await client.StopQuietlyAsync();
        });
        await cluster.WaitForLogAsync(refusal, "the expected refusal");
    }

    /// <summary>Ids of search coordinators activated by the secondary silo itself and hosted there (at least one).</summary>
    private async Task<List<string>> CoordinatorsOnSecondaryAsync(string prefix)
    {
        var grains = cluster.Secondary.Services.GetRequiredService<IGrainFactory>();
        var secondary = cluster.Secondary.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var ids = Enumerable.Range(0, 10).Select(i => $"{prefix}-{i}").ToList();
        foreach (var id in ids)
        {
            Assert.Null(await grains.GetGrain<ISearchGrain>(id).GetSpecAsync());
        }

        var hosted = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(hostsIds: [secondary]);
        var onSecondary = ids.Where(id => hosted.Any(h => h.GrainId.Key.ToString() == id)).ToList();
        Assert.True(onSecondary.Count > 0, $"none of {ids.Count} coordinators activated by the secondary silo is hosted there");
        return onSecondary;
    }
}
