using System.Security.Cryptography.X509Certificates;
using HyperSearch.Silo.Security;
using Orleans.Connections.Security;

namespace HyperSearch.Silo.Hosting;

/// <summary>Mutual TLS from certificate files, for silos and the CLI alike: each side presents its certificate and
/// accepts the other only if that certificate chains to the configured CA. Host names are not checked (silos are
/// addressed by IP); trust is "issued by our CA", so keep that CA private to the cluster.</summary>
public static class TlsFiles
{
    public const string PasswordVariable = "HYPERSEARCH_TLS_PASSWORD";

    /// <summary>The name clients present as TLS target host; informational, since validation is by CA.</summary>
    public const string TargetHost = "hypersearch";

    public static X509Certificate2 LoadCertificate(TlsFileOptions options)
    {
        var path = options.CertificateFile ?? throw new InvalidOperationException("TLS needs a certificate file");
        Require(path, "certificate");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, ReadPassword(options.PasswordFile), X509KeyStorageFlags.Exportable);
        }

        if (options.KeyFile is { } keyFile)
        {
            Require(keyFile, "key");
        }

        using var pem = X509Certificate2.CreateFromPemFile(path, options.KeyFile ?? path);
        if (!pem.HasPrivateKey)
        {
            throw new InvalidOperationException($"TLS certificate '{path}' has no private key (set the key file)");
        }

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }

    public static X509Certificate2Collection LoadAuthorities(TlsFileOptions options)
    {
        var path = options.CaFile ?? throw new InvalidOperationException("TLS needs a CA file (the CA that issued every node's certificate)");
        Require(path, "CA");
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
        {
            throw new InvalidOperationException($"TLS CA file '{path}' holds no certificate");
        }

        return authorities;
    }

    /// <summary>Configures a client's (the CLI's) Orleans TLS: present <paramref name="certificate"/>, and accept the
    /// gateway only when its certificate chains to <paramref name="authorities"/> and is a silo certificate (see
    /// <see cref="CertificateRoles"/>). Silos configure their listeners with <see cref="ConnectionGuard"/>.</summary>
    public static void Configure(TlsOptions tls, X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        tls.LocalCertificate = certificate;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (remote, _, _) =>
            Problem(remote, authorities) is null && CertificateRoles.Classify(remote) == CertificateKind.Silo;
        tls.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost ??= TargetHost;
    }

    public static void Configure(TlsOptions tls, TlsFileOptions files) =>
        Configure(tls, LoadCertificate(files), LoadAuthorities(files));

    /// <summary>Whether <paramref name="certificate"/> is valid now and chains to one of <paramref name="authorities"/>.</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities) =>
        Problem(certificate, authorities) is null;

    /// <summary>Null when <paramref name="certificate"/> is valid now and chains to one of <paramref name="authorities"/>;
    /// otherwise "expired" (outside its validity period, or a certificate in its chain is) or "untrusted".</summary>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        if (chain.Build(certificate))
        {
            return null;
        }

        var trusted = chain.ChainElements.Count > 1 && authorities.Any(a => a.RawDataMemory.Span.SequenceEqual(chain.ChainElements[^1].Certificate.RawDataMemory.Span));
        return trusted && chain.ChainStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotTimeValid)) ? "expired" : "untrusted";
    }

    private static string? ReadPassword(string? passwordFile)
    {
        if (!string.IsNullOrWhiteSpace(passwordFile))
        {
            Require(passwordFile, "password");
            return File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }

        return Environment.GetEnvironmentVariable(PasswordVariable);
    }

    private static void Require(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"TLS {what} file '{path}' does not exist");
        }
    }
}
