using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HyperSearch.Grains.Security;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Silo.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;

namespace HyperSearch.Silo.Security;

/// <summary>Mutual TLS with roles on a silo's two listeners. The silo port accepts only silo certificates; the
/// gateway accepts only client (operator or viewer) certificates, and publishes each connected client's role
/// under the client id its connection announces, for <see cref="RoleCallFilter"/>. Every refused connection is
/// logged with the caller's identity and counted (hypersearch_security_refusals_total{reason}).</summary>
public sealed partial class ConnectionGuard(ClientRoles roles, IGrainFactory grains, HyperSearchMetrics metrics, ILogger<ConnectionGuard> logger)
{
    /// <summary>How long a new gateway connection has to announce its client id.</summary>
    private static readonly TimeSpan PreambleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Orleans' connection preamble is at most 1 KiB, plus its 4-byte length.</summary>
    private const int MaxPreamble = 1028;

    private static readonly byte[] ClientType = Encoding.ASCII.GetBytes("sys.client");

    public TlsOptions Server(X509Certificate2 certificate, X509Certificate2Collection authorities, string listener, params CertificateKind[] accepted) => new()
    {
        LocalCertificate = certificate,
        // Allow rather than require, so that a connection without a certificate reaches Guard below and is
        // counted and logged like the other refusals; Guard closes it before Orleans reads a byte.
        RemoteCertificateMode = RemoteCertificateMode.AllowCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (remote, _, _) => Accept(remote, authorities, listener, accepted),
    };

    /// <summary>This silo connecting to another: the other side must present a silo certificate.</summary>
    public TlsOptions Outbound(X509Certificate2 certificate, X509Certificate2Collection authorities) => new()
    {
        LocalCertificate = certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (remote, _, _) => Accept(remote, authorities, "silo (outbound)", [CertificateKind.Silo]),
        OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost ??= TlsFiles.TargetHost,
    };

    private bool Accept(X509Certificate2 remote, X509Certificate2Collection authorities, string listener, CertificateKind[] accepted)
    {
        if (TlsFiles.Problem(remote, authorities) is { } problem)
        {
            Refuse(problem, "none", CertificateRoles.Identity(remote), listener, problem == "expired" ? "certificate expired or not yet valid" : "certificate not issued by the cluster's CA");
            return false;
        }

        var kind = CertificateRoles.Classify(remote);
        if (!accepted.Contains(kind))
        {
            Refuse("wrong-kind", CertificateRoles.RoleOf(kind).ToString().ToLowerInvariant(), CertificateRoles.Identity(remote), listener,
                $"a {kind.ToString().ToLowerInvariant()} certificate is not accepted here (needs {string.Join(" or ", accepted).ToLowerInvariant()})");
            return false;
        }

        return true;
    }

    /// <summary>Silo port: closes connections that brought no certificate.</summary>
    public async Task GuardSiloAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (RemoteCertificate(connection, "silo") is not { } certificate)
        {
            return;
        }

        LogAccepted(logger, CertificateRoles.Identity(certificate), "silo", Protocol(connection));
        await next(connection);
    }

    /// <summary>Gateway: closes connections without a certificate; otherwise learns the client id from Orleans'
    /// connection preamble (without consuming it) and publishes the certificate's role under it.</summary>
    public async Task GuardGatewayAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (RemoteCertificate(connection, "gateway") is not { } certificate)
        {
            return;
        }

        var identity = new ClientIdentity(CertificateRoles.RoleOf(CertificateRoles.Classify(certificate)), CertificateRoles.Identity(certificate));
        var clientKey = await PeekClientIdAsync(connection);
        if (clientKey is null)
        {
            Refuse("preamble", identity.Role.ToString().ToLowerInvariant(), identity.Name, "gateway", "the connection announced no external client id ");
            connection.Abort();
            return;
        }

        LogAccepted(logger, identity.Name, "gateway", Protocol(connection));
        roles.Remember(clientKey, identity);
        var published = grains.GetGrain<IClientRoleGrain>(clientKey);
        await published.SetAsync(identity);
        try
        {
            await next(connection);
        }
        finally
        {
            roles.Forget(clientKey);
            _ = published.ForgetAsync().ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private static string Protocol(ConnectionContext connection) =>
        connection.Features.Get<ITlsHandshakeFeature>()?.Protocol.ToString() ?? "unknown";

    private X509Certificate2? RemoteCertificate(ConnectionContext connection, string listener)
    {
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.RemoteCertificate;
        if (certificate is null)
        {
            Refuse("no-certificate", "none", $"peer {connection.RemoteEndPoint}", listener, "no client certificate");
            connection.Abort();
        }

        return certificate;
    }

    /// <summary>Reads the preamble's bytes and puts them back: the client id is the 32 lower-case hex digits (a
    /// GUID, as Orleans clients make their ids) that follow the "sys.client" grain type in it.</summary>
    private static async Task<string?> PeekClientIdAsync(ConnectionContext connection)
    {
        using var timeout = new CancellationTokenSource(PreambleTimeout);
        var input = connection.Transport.Input;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            var buffer = read.Buffer;
            var bytes = buffer.Slice(0, Math.Min(buffer.Length, MaxPreamble)).ToArray();
            if (FindClientId(bytes) is { } id)
            {
                // Nothing consumed or examined: Orleans' first read returns these bytes at once.
                input.AdvanceTo(buffer.Start);
                return id;
            }

            // Examined all: the next read waits for more bytes.
            input.AdvanceTo(buffer.Start, buffer.End);

            if (read.IsCompleted || read.IsCanceled || buffer.Length >= MaxPreamble)
            {
                return null;
            }
        }
    }

    public static string? FindClientId(ReadOnlySpan<byte> preamble)
    {
        var type = preamble.IndexOf(ClientType);
        if (type < 0)
        {
            return null;
        }

        var rest = preamble[(type + ClientType.Length)..];
        for (var start = 0; start + 32 <= rest.Length; start++)
        {
            var run = 0;
            while (start + run < rest.Length && IsLowerHex(rest[start + run]))
            {
                run++;
            }

            if (run == 32)
            {
                return Encoding.ASCII.GetString(rest.Slice(start, 32));
            }

            start += run;
        }

        return null;
    }

    private static bool IsLowerHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f';

    private void Refuse(string reason, string role, string who, string listener, string why)
    {
        LogRefused(logger, who, listener, why);
        metrics.Refused(reason, role);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "security: accepted {Caller} at the {Listener} port over {Protocol}")]
    private static partial void LogAccepted(ILogger logger, string caller, string listener, string protocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "security: refused {Caller} at the {Listener} port: {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string listener, string reason);
}
