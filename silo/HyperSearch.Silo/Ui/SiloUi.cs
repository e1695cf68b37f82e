using HyperSearch.Silo.Hosting;
using HyperSearch.Ui;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace HyperSearch.Silo.Ui;

/// <summary>The web UI on the silo's HTTP host. Without TLS every caller may read and act, as at the gateway; with
/// TLS (HyperSearch:Tls:*) Kestrel's https:// endpoints present the silo certificate and ask for a client certificate,
/// and only operator or viewer certificates of the cluster's CA are let in (plain http:// /api answers 403).</summary>
public static class SiloUi
{
    public static void AddHyperSearchUi(this WebApplicationBuilder builder, HyperSearchOptions options)
    {
        builder.Services.AddSingleton<IUiBackend, ClusterUiBackend>();
        if (!options.Tls.Enabled)
        {
            builder.Services.AddSingleton<IUiAccess>(new OpenUiAccess(UiRole.Operator, "anyone (no TLS configured)"));
            return;
        }

        var certificate = TlsFiles.LoadCertificate(options.Tls);
        var authorities = TlsFiles.LoadAuthorities(options.Tls);
        builder.Services.AddSingleton<IUiAccess>(s => ActivatorUtilities.CreateInstance<CertificateUiAccess>(s, authorities));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificate;
            // Allowed, not required: /metrics and /healthz stay reachable; CertificateUiAccess checks the chain and the
            // role on every UI request and counts refusals, as the gateway does.
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true;
        }));
    }
}
