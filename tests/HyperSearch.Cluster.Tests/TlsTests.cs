using HyperSearch.Contracts.Grains;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Connections.Security;
using Orleans.Runtime;

namespace HyperSearch.Cluster.Tests;

/// <summary>Two silos with mutual TLS from certificate files (HyperSearch:Tls:*), joined over TLS.</summary>
public sealed class TlsClusterFixture : IAsyncLifetime
{
    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}"[..12];

    public int GatewayPort { get; } = Ports.Free();

    internal TestCertificates Authority { get; private set; } = null!;

    internal TestCertificates OtherAuthority { get; private set; } = null!;

    public IHost Primary { get; private set; } = null!;

    public IHost Secondary { get; private set; } = null!;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"hypersearch-tls-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Authority = new TestCertificates(Path.Combine(_directory, "cluster"), "HyperSearch Test CA");
        OtherAuthority = new TestCertificates(Path.Combine(_directory, "other"), "Someone Else's CA");
        var primaryPort = Ports.Free();
        var primaryTls = Authority.Issue("silo-0");
        var secondaryTls = Authority.Issue("silo-1");
        Primary = await TestHosts.StartSiloAsync(o =>
        {
            o.ClusterId = ClusterId;
            o.SiloPort = primaryPort;
            o.GatewayPort = GatewayPort;
            o.Tls = primaryTls;
        });
        Secondary = await TestHosts.StartSiloAsync(o =>
        {
            o.ClusterId = ClusterId;
            o.SiloPort = Ports.Free();
            o.GatewayPort = Ports.Free();
            o.PrimarySiloPort = primaryPort;
            o.Tls = secondaryTls;
        });
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
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>A refused handshake makes the client retry until its deadline; this bounds the negative tests.</summary>
    private static readonly TimeSpan RefusedTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Silos_join_each_other_over_tls()
    {
        var membership = cluster.Primary.Services.GetRequiredService<IClusterMembershipService>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal(2, membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
    }

    [Fact]
    public async Task Client_with_a_certificate_from_the_cluster_ca_connects()
    {
        var tls = cluster.Authority.Issue("cli-ok");
        var client = await TestHosts.StartClientAsync(c =>
        {
            TestHosts.StaticGateway(c, cluster.GatewayPort, cluster.ClusterId);
            c.UseTls(o => TlsFiles.Configure(o, tls));
        }, ConnectTimeout);
        try
        {
            var searches = await client.Grains().GetGrain<ISearchRegistryGrain>(0).ListAsync();
            Assert.NotNull(searches);
        }
        finally
        {
            await client.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Client_with_a_certificate_from_another_ca_cannot_connect()
    {
        var rogue = cluster.OtherAuthority.Issue("cli-rogue");
        await AssertCannotConnectAsync(c => c.UseTls(o =>
        {
            TlsFiles.Configure(o, rogue);
            // Trust the server blindly: the rejection under test is the silo's, of our certificate.
            o.AllowAnyRemoteCertificate();
        }));
    }

    [Fact]
    public async Task Client_with_tls_but_no_certificate_cannot_connect()
    {
        await AssertCannotConnectAsync(c => c.UseTls(o =>
        {
            o.ClientCertificateMode = RemoteCertificateMode.NoCertificate;
            o.AllowAnyRemoteCertificate();
        }));
    }

    [Fact]
    public async Task Client_without_tls_cannot_connect()
    {
        await AssertCannotConnectAsync(_ => { });
    }

    private async Task AssertCannotConnectAsync(Action<IClientBuilder> configure)
    {
        IHost? client = null;
        try
        {
            client = await TestHosts.StartClientAsync(c =>
            {
                TestHosts.StaticGateway(c, cluster.GatewayPort, cluster.ClusterId);
                configure(c);
            }, RefusedTimeout);

            // Connected anyway? Then no call may succeed either.
            var call = client.Grains().GetGrain<ISearchRegistryGrain>(0).ListAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => call.WaitAsync(RefusedTimeout));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            // Expected: the gateway refused the TLS handshake.
        }
        finally
        {
            await client.StopQuietlyAsync();
        }
    }
}
