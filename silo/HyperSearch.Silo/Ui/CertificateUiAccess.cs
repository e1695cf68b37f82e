using System.Security.Cryptography.X509Certificates;
using HyperSearch.Grains.Telemetry;
using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Security;
using HyperSearch.Ui;

namespace HyperSearch.Silo.Ui;

/// <summary>The gateway's rules for the UI when the cluster uses TLS: only HTTPS requests that present an operator or
/// viewer certificate of the cluster's CA get a role; operators may cancel and start. Refusals are logged and counted
/// in hypersearch_security_refusals_total like the gateway's.</summary>
internal sealed partial class CertificateUiAccess(X509Certificate2Collection authorities, HyperSearchMetrics metrics, ILogger<CertificateUiAccess> logger) : IUiAccess
{
    public UiCaller Identify(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress?.ToString() ?? "unknown peer";
        if (!context.Request.IsHttps)
        {
            return new UiCaller(UiRole.None, peer, "this cluster uses TLS: the UI and /api answer only over HTTPS with an operator or viewer certificate", "no-certificate");
        }

        if (context.Connection.ClientCertificate is not { } certificate)
        {
            return new UiCaller(UiRole.None, peer, "no client certificate (needs an operator or viewer certificate of the cluster's CA)", "no-certificate");
        }

        var identity = CertificateRoles.Identity(certificate);
        if (TlsFiles.Problem(certificate, authorities) is { } problem)
        {
            return new UiCaller(UiRole.None, identity, problem == "expired"
                ? $"{identity}: certificate expired or not yet valid"
                : $"{identity}: certificate not issued by the cluster's CA", problem);
        }

        return CertificateRoles.Classify(certificate) switch
        {
            CertificateKind.Operator => new UiCaller(UiRole.Operator, identity),
            CertificateKind.Viewer => new UiCaller(UiRole.Viewer, identity),
            var kind => new UiCaller(UiRole.None, identity, $"{identity}: a {kind.ToString().ToLowerInvariant()} certificate is not accepted here (needs operator or viewer)", "wrong-kind"),
        };
    }

    public void Refused(UiCaller caller, string action)
    {
        LogRefused(logger, caller.Identity, action, caller.Refusal ?? $"role {caller.Role.ToString().ToLowerInvariant()} may not {action}");
        metrics.Refused(caller.Reason ?? "role", caller.Role.ToString().ToLowerInvariant());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "security: refused {Caller} at the UI ({Action}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string caller, string action, string reason);
}
