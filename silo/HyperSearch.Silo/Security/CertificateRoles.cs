using System.Security.Cryptography.X509Certificates;
using HyperSearch.Grains.Security;

namespace HyperSearch.Silo.Security;

/// <summary>What a certificate from the cluster's CA is for. Silo certificates carry both TLS server and client
/// authentication (a silo accepts and opens connections) and the organizational unit <c>hypersearch-silo</c>;
/// client certificates carry client authentication only and the unit <c>hypersearch-operator</c> or
/// <c>hypersearch-viewer</c>. Without server authentication a certificate can never pass as a silo's, and a
/// certificate with it is never taken for a client's.</summary>
public enum CertificateKind
{
    Unknown,
    Silo,
    Operator,
    Viewer,
}

public static class CertificateRoles
{
    public const string SiloUnit = "hypersearch-silo";
    public const string OperatorUnit = "hypersearch-operator";
    public const string ViewerUnit = "hypersearch-viewer";

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string OrganizationalUnit = "2.5.4.11";

    public static CertificateKind Classify(X509Certificate2 certificate)
    {
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>())
            .Select(o => o.Value)
            .ToHashSet(StringComparer.Ordinal);
        var units = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => n.GetSingleElementType().Value == OrganizationalUnit)
            .Select(n => n.GetSingleElementValue())
            .ToList();
        if (units.Count != 1 || !usages.Contains(ClientAuth))
        {
            return CertificateKind.Unknown;
        }

        var server = usages.Contains(ServerAuth);
        return units[0] switch
        {
            SiloUnit when server => CertificateKind.Silo,
            OperatorUnit when !server => CertificateKind.Operator,
            ViewerUnit when !server => CertificateKind.Viewer,
            _ => CertificateKind.Unknown,
        };
    }

    public static ClientRole RoleOf(CertificateKind kind) => kind switch
    {
        CertificateKind.Operator => ClientRole.Operator,
        CertificateKind.Viewer => ClientRole.Viewer,
        _ => ClientRole.None,
    };

    /// <summary>How refusals name the caller: the subject, and the serial number that tells reissued certificates apart.</summary>
    public static string Identity(X509Certificate2 certificate) => $"{certificate.Subject} (serial {certificate.SerialNumber})";
}
