using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using HyperSearch.Silo.Security;

namespace HyperSearch.Ui.Tests;

/// <summary>The silo's UI under mutual TLS: only HTTPS requests with an operator or viewer certificate of the cluster's
/// CA are let in; viewers read, only operators cancel; each refusal is logged like the gateway's.</summary>
public sealed class AccessTests
{
    [Fact]
    public async Task With_tls_a_viewer_reads_but_may_not_cancel_and_an_operator_cancels()
    {
        var folder = Directory.CreateTempSubdirectory("hs-ui-tls-").FullName;
        using var certificates = new Cluster.Tests.TestCertificates(folder, "ui-test-ca");
        var siloFiles = certificates.Issue("silo");
        var operatorFiles = certificates.Issue("operator", CertificateKind.Operator);
        var viewerFiles = certificates.Issue("viewer", CertificateKind.Viewer);
        using var strangers = new Cluster.Tests.TestCertificates(Path.Combine(folder, "other"), "another-ca");
        var strangerFiles = strangers.Issue("stranger", CertificateKind.Operator);

        // No training: the search stays running with its trials waiting, so there is something to cancel.
        using var silo = await UiSilo.StartAsync(slots: 0, tls: siloFiles);
        using var operatorCert = X509Certificate2.CreateFromPemFile(operatorFiles.CertificateFile!, operatorFiles.KeyFile);
        using var viewerCert = X509Certificate2.CreateFromPemFile(viewerFiles.CertificateFile!, viewerFiles.KeyFile);
        using var strangerCert = X509Certificate2.CreateFromPemFile(strangerFiles.CertificateFile!, strangerFiles.KeyFile);
        using var siloCert = X509Certificate2.CreateFromPemFile(siloFiles.CertificateFile!, siloFiles.KeyFile);
        using var asOperator = silo.Client(operatorCert);
        using var asViewer = silo.Client(viewerCert);
        using var anonymous = silo.Client();
        using var asStranger = silo.Client(strangerCert);
        using var asSilo = silo.Client(siloCert);

        var (status, body) = await UiSilo.PostAsync(asViewer, "/api/searches?id=tls", UiSilo.Spec("ui-tls", 4, 2, 0.1, 1));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("needs the operator role", (string?)body!["error"], StringComparison.Ordinal);

        (status, body) = await UiSilo.PostAsync(asOperator, "/api/searches?id=tls", UiSilo.Spec("ui-tls", 4, 2, 0.1, 1));
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body?.ToJsonString()}\n{silo.Process.Output()}");

        var list = await UiSilo.GetAsync(asViewer, "/api/searches");
        Assert.Contains(list.AsArray(), s => (string?)s!["id"] == "tls" && (string?)s["state"] == "running");
        Assert.Equal("viewer", (string?)(await UiSilo.GetAsync(asViewer, "/api/me"))["role"]);
        Assert.False((bool)(await UiSilo.GetAsync(asViewer, "/api/searches/tls"))["canOperate"]!);
        Assert.True((bool)(await UiSilo.GetAsync(asOperator, "/api/searches/tls"))["canOperate"]!);

        (status, body) = await UiSilo.PostAsync(asViewer, "/api/searches/tls/cancel", "");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("(role viewer) may not cancel tls: needs the operator role", (string?)body!["error"], StringComparison.Ordinal);
        Assert.Equal("running", (string?)(await UiSilo.GetAsync(asViewer, "/api/searches/tls"))["summary"]!["state"]);

        // No certificate, another CA's, or a silo's: nothing at all, not even reading.
        foreach (var (client, expected) in new[] { (anonymous, "no client certificate"), (asStranger, "not issued by the cluster's CA"), (asSilo, "a silo certificate is not accepted here") })
        {
            using var refused = await client.GetAsync("/api/searches");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains(expected, (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"], StringComparison.Ordinal);
        }

        (status, body) = await UiSilo.PostAsync(asOperator, "/api/searches/tls/cancel", "");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body?.ToJsonString()}");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? state;
        while ((state = (string?)(await UiSilo.GetAsync(asViewer, "/api/searches/tls"))["summary"]!["state"]) != "cancelled" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal("cancelled", state);

        // Each refusal is in the silo's log with the caller, and counted by reason on /metrics.
        var log = silo.Process.Output();
        Assert.Contains("security: refused CN=viewer", log, StringComparison.Ordinal);
        Assert.Contains("at the UI (cancel tls)", log, StringComparison.Ordinal);
        var metrics = await asViewer.GetStringAsync("/metrics");
        foreach (var reason in new[] { "role", "no-certificate", "untrusted", "wrong-kind" })
        {
            Assert.Contains($"reason=\"{reason}\"", metrics, StringComparison.Ordinal);
        }

        // The plain http:// endpoint serves /metrics but refuses the UI's API to everyone.
        using var plain = new HttpClient { BaseAddress = new Uri(silo.PlainUrl) };
        using var overHttp = await plain.GetAsync("/api/searches");
        Assert.Equal(HttpStatusCode.Forbidden, overHttp.StatusCode);
        Assert.Contains("answer only over HTTPS", (string?)JsonNode.Parse(await overHttp.Content.ReadAsStringAsync())!["error"], StringComparison.Ordinal);
        Assert.Contains("hypersearch_security_refusals", await plain.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }
}
