using HyperSearch.Contracts.Specs;
using HyperSearch.Silo.Hosting;
using HyperSearch.Silo.Security;
using HyperSearch.Specs;

namespace HyperSearch.Cluster.Tests;

/// <summary>The pieces of cluster security that need no cluster: certificate kinds from scripts/make-certs.sh,
/// the client id in an Orleans connection preamble, and the coordinator's admission rules.</summary>
public sealed class SecurityUnitTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"hs-certs-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public void Make_certs_issues_silo_operator_and_viewer_certificates_that_tell_each_other_apart()
    {
        var dir = MakeCerts(_directory, "--expired", "stale:operator", "--p12", "operator");
        var other = MakeCerts(Path.Combine(_directory, "other"));
        var authorities = TlsFiles.LoadAuthorities(new TlsFileOptions { CaFile = Path.Combine(dir, "ca.crt") });
        CertificateKind KindOf(string name) => CertificateRoles.Classify(Load(dir, name));

        Assert.Equal(CertificateKind.Silo, KindOf("silo"));
        Assert.Equal(CertificateKind.Operator, KindOf("operator"));
        Assert.Equal(CertificateKind.Viewer, KindOf("viewer"));
        Assert.Null(TlsFiles.Problem(Load(dir, "viewer"), authorities));
        Assert.Equal("expired", TlsFiles.Problem(Load(dir, "stale"), authorities));
        Assert.Equal("untrusted", TlsFiles.Problem(Load(other, "operator"), authorities));

        var p12 = TlsFiles.LoadCertificate(new TlsFileOptions
        {
            CertificateFile = Path.Combine(dir, "operator.p12"),
            PasswordFile = Path.Combine(dir, "operator.p12.password"),
        });
        Assert.True(p12.HasPrivateKey);
        Assert.Equal(CertificateKind.Operator, CertificateRoles.Classify(p12));
    }

    [Fact]
    public void The_client_id_is_read_from_a_real_preamble()
    {
        // The bytes an Orleans 10.4.2 client sent a gateway (its id 7a2ce674…, then the cluster id).
        var preamble = Convert.FromHexString(
            "5700000020081503212020606AFE65C741157379732E636C69656E74E0E02160B4D0CB4841413761326365363734313261373432313038623835376161646633623631646636E0E0C101411D73656375726974792D3330393436E0");
        Assert.Equal("7a2ce67412a742108b857aadf3b61df6", ConnectionGuard.FindClientId(preamble));
        Assert.Null(ConnectionGuard.FindClientId(preamble.AsSpan(0, 40)));
        Assert.Null(ConnectionGuard.FindClientId("sys.silo 7a2ce67412a742108b857aadf3b61df6"u8));
    }

    [Fact]
    public void In_a_cluster_only_allow_listed_programs_run_and_embedded_runs_any()
    {
        var spec = Spec("/bin/sh");
        var cluster = new CoordinatorAdmission(new HyperSearchOptions { Clustering = "redis", Security = { CommandAllowList = ["/usr/bin/python3"] } });
        var refused = Assert.Single(cluster.Check(spec));
        Assert.Equal("trainer.command", refused.Field);
        Assert.Contains("'/bin/sh' is not allow-listed", refused.Message);
        Assert.Contains("HyperSearch:Security:CommandAllowList", refused.Message);
        Assert.Empty(cluster.Check(Spec("/usr/bin/python3")));

        var none = new CoordinatorAdmission(new HyperSearchOptions { Clustering = "redis" });
        Assert.Contains("command trials are off", Assert.Single(none.Check(Spec("/usr/bin/python3"))).Message);

        var embedded = new CoordinatorAdmission(new HyperSearchOptions { Clustering = "localhost" });
        Assert.Empty(embedded.Check(spec));
    }

    [Fact]
    public void A_spec_over_the_size_limit_is_refused_naming_the_setting()
    {
        var admission = new CoordinatorAdmission(new HyperSearchOptions { Clustering = "localhost", Security = { MaxSpecBytes = 2048 } });
        Assert.Empty(admission.Check(Spec("/usr/bin/python3")));
        var big = Spec("/usr/bin/python3", string.Join(", ", Enumerable.Range(0, 400).Select(i => (0.1 + i * 1e-4).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var refused = Assert.Single(admission.Check(big));
        Assert.Contains("over this cluster's limit of 2048", refused.Message);
        Assert.Contains("HyperSearch:Security:MaxSpecBytes", refused.Message);
    }

    private static SearchSpec Spec(string program, string dropouts = "0.1, 0.2")
    {
        var parsed = SpecParser.Parse($$"""
            name: admission
            dataset: synthetic
            search: { sampler: random, scheduler: none, max_trials: 2, seed: 1 }
            training: { epochs: 1 }
            space:
              dropout: { choice: [{{dropouts}}] }
            trainer:
              command: [{{program}}, train.py]
            """);
        return parsed.Spec ?? throw new InvalidOperationException(string.Join("; ", parsed.Errors));
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 Load(string dir, string name) =>
        TlsFiles.LoadCertificate(new TlsFileOptions { CertificateFile = Path.Combine(dir, $"{name}.crt"), KeyFile = Path.Combine(dir, $"{name}.key") });

    private static string MakeCerts(string dir, params string[] options)
    {
        var script = Path.Combine(RepoRoot(), "scripts", "make-certs.sh");
        var result = ChildProcess.Run("bash", [script, dir, .. options], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"make-certs.sh failed: {result.Describe()}");
        return dir;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperSearch.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
