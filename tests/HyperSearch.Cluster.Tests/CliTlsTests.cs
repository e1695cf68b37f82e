using HyperSearch.Cli;
using HyperSearch.Silo.Security;

namespace HyperSearch.Cluster.Tests;

/// <summary>The CLI's TLS options (--tls-cert, --tls-key, --tls-ca, --tls-password-file) against the TLS cluster:
/// PEM and PKCS#12 certificates, and the role the certificate grants.</summary>
public sealed class CliTlsTests(TlsClusterFixture cluster) : IClassFixture<TlsClusterFixture>
{
    [Fact]
    public async Task Pem_certificate_and_key_flags_connect()
    {
        var tls = cluster.Authority.Issue("cli-pem", CertificateKind.Operator);
        var (code, stdout, stderr) = await RunAsync("search", "list", "--json", "--tls-cert", tls.CertificateFile!, "--tls-key", tls.KeyFile!, "--tls-ca", tls.CaFile!);
        Assert.True(code == 0, stderr);
        Assert.StartsWith("[", stdout.TrimStart());
        await cluster.WaitForLogAsync(l => l.Contains("security: accepted CN=cli-pem") && l.Contains("at the gateway port"), "the PEM client accepted");
    }

    [Fact]
    public async Task Pkcs12_certificate_with_a_password_file_connects()
    {
        var tls = cluster.Authority.IssuePkcs12("cli-p12", CertificateKind.Operator, "s3cret-p12");
        var (code, _, stderr) = await RunAsync("search", "list", "--json", "--tls-cert", tls.CertificateFile!, "--tls-password-file", tls.PasswordFile!, "--tls-ca", tls.CaFile!);
        Assert.True(code == 0, stderr);
        await cluster.WaitForLogAsync(l => l.Contains("security: accepted CN=cli-p12") && l.Contains("at the gateway port"), "the PKCS#12 client accepted");
    }

    [Fact]
    public async Task Pkcs12_certificate_with_the_wrong_password_fails_before_connecting()
    {
        var tls = cluster.Authority.IssuePkcs12("cli-p12-wrong", CertificateKind.Operator, "right-password");
        var wrong = tls.PasswordFile + ".wrong";
        await File.WriteAllTextAsync(wrong, "wrong-password\n");
        var (code, _, stderr) = await RunAsync("search", "list", "--tls-cert", tls.CertificateFile!, "--tls-password-file", wrong, "--tls-ca", tls.CaFile!);
        Assert.Equal(ExitCodesForTests.Failure, code);
        Assert.Contains("cannot connect", stderr);
        Assert.Contains("password", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(cluster.PrimaryLogs.Lines, l => l.Contains("CN=cli-p12-wrong"));
    }

    [Fact]
    public async Task A_certificate_without_the_ca_is_a_usage_error()
    {
        var tls = cluster.Authority.Issue("cli-no-ca", CertificateKind.Operator);
        var (code, _, stderr) = await RunAsync("search", "list", "--tls-cert", tls.CertificateFile!, "--tls-key", tls.KeyFile!);
        Assert.Equal(ExitCodesForTests.BadInput, code);
        Assert.Contains("TLS needs both --tls-cert", stderr);
    }

    [Fact]
    public async Task An_operator_starts_through_the_cli_and_a_viewer_cannot_cancel()
    {
        var operatorTls = cluster.Authority.Issue("cli-operator-start", CertificateKind.Operator);
        var spec = Path.Combine(cluster.Authority.Directory, "cli-start.yaml");
        await File.WriteAllTextAsync(spec, TestSpecs.TinyYaml("cli-start"));
        var started = await RunAsync("search", "start", spec, "--id", "cli-start", "--tls-cert", operatorTls.CertificateFile!, "--tls-key", operatorTls.KeyFile!, "--tls-ca", operatorTls.CaFile!);
        Assert.True(started.Code == 0, started.Stderr);

        var tls = cluster.Authority.Issue("cli-viewer-cancel", CertificateKind.Viewer);
        var (code, _, stderr) = await RunAsync("search", "cancel", "cli-start", "--tls-cert", tls.CertificateFile!, "--tls-key", tls.KeyFile!, "--tls-ca", tls.CaFile!);
        Assert.Equal(ExitCodesForTests.Failure, code);
        Assert.Contains("CN=cli-viewer-cancel", stderr);
        Assert.Contains("CancelAsync: needs the operator role", stderr);
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] target = ["--gateway", $"127.0.0.1:{cluster.GatewayPort}", "--cluster-id", cluster.ClusterId, "--connect-timeout", "30"];
        var code = await CommandLine.RunAsync([.. args, .. target], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>The CLI's documented exit codes (its ExitCodes class is internal).</summary>
internal static class ExitCodesForTests
{
    public const int Failure = 1;
    public const int BadInput = 2;
}
