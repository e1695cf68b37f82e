using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Security;

namespace HyperSearch.Cluster.Tests;

/// <summary>A throwaway CA and node certificates, written as PEM files the way an operator would mount them.</summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;

    public TestCertificates(string directory, string caName)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={caName}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(7));
        CaFile = Path.Combine(directory, "ca.pem");
        File.WriteAllText(CaFile, _ca.ExportCertificatePem());
    }

    public string Directory { get; }

    public string CaFile { get; }

    /// <summary>Issues a certificate of <paramref name="kind"/> the way scripts/make-certs.sh does (OU names the kind;
    /// silos get serverAuth and clientAuth, clients clientAuth only) and writes NAME.crt.pem and NAME.key.pem.</summary>
    public TlsFileOptions Issue(string name, CertificateKind kind = CertificateKind.Silo, DateTimeOffset? notAfter = null)
    {
        var (certificate, key) = Create(name, kind, notAfter);
        using (certificate)
        using (key)
        {
            var certFile = Path.Combine(Directory, $"{name}.crt.pem");
            var keyFile = Path.Combine(Directory, $"{name}.key.pem");
            File.WriteAllText(certFile, certificate.ExportCertificatePem());
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
            return new TlsFileOptions { CertificateFile = certFile, KeyFile = keyFile, CaFile = CaFile };
        }
    }

    /// <summary>As <see cref="Issue"/>, as one PKCS#12 file NAME.p12 with its password in NAME.p12.password.</summary>
    public TlsFileOptions IssuePkcs12(string name, CertificateKind kind, string password)
    {
        var (certificate, key) = Create(name, kind, null);
        using (key)
        using (certificate)
        using (var withKey = certificate.CopyWithPrivateKey(key))
        {
            var file = Path.Combine(Directory, $"{name}.p12");
            File.WriteAllBytes(file, withKey.Export(X509ContentType.Pkcs12, password));
            File.WriteAllText(file + ".password", password + "\n");
            return new TlsFileOptions { CertificateFile = file, PasswordFile = file + ".password", CaFile = CaFile };
        }
    }

    private (X509Certificate2 Certificate, ECDsa Key) Create(string name, CertificateKind kind, DateTimeOffset? notAfter)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var unit = kind switch
        {
            CertificateKind.Silo => CertificateRoles.SiloUnit,
            CertificateKind.Operator => CertificateRoles.OperatorUnit,
            CertificateKind.Viewer => CertificateRoles.ViewerUnit,
            _ => "somebody",
        };
        var request = new CertificateRequest($"CN={name}, OU={unit}, O=HyperSearch", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") };
        if (kind == CertificateKind.Silo)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(TlsFiles.TargetHost);
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(2);
        var start = notAfter is null ? DateTimeOffset.UtcNow.AddHours(-1) : end.AddDays(-1);
        return (request.Create(_ca, start, end, RandomNumberGenerator.GetBytes(16)), key);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }
}
