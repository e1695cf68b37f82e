using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using HyperSearch.Silo.Hosting;

namespace HyperSearch.Ui.Tests;

/// <summary>A real silo process (localhost clustering, in-memory state, command trials on) serving the UI on a free
/// loopback port; with <paramref name="tls"/> it runs mutual TLS and serves the UI over HTTPS only.</summary>
internal sealed class UiSilo : IDisposable
{
    private readonly string? _caFile;

    private UiSilo(ChildProcess process, string baseUrl, string work, string? caFile)
    {
        Process = process;
        BaseUrl = baseUrl;
        Work = work;
        _caFile = caFile;
    }

    public ChildProcess Process { get; }

    public string BaseUrl { get; }

    public string Work { get; }

    /// <summary>The plain http:// address (the same as <see cref="BaseUrl"/> without TLS).</summary>
    public string PlainUrl { get; private init; } = "";

    public static async Task<UiSilo> StartAsync(int slots, TlsFileOptions? tls = null)
    {
        var work = Directory.CreateTempSubdirectory("hs-ui-silo-").FullName;
        var port = ChildProcess.FreePort();
        var url = $"{(tls is null ? "http" : "https")}://127.0.0.1:{port}";
        // With TLS the silo also listens on plain HTTP (where /metrics would be scraped), which the UI must refuse.
        var plain = tls is null ? url : $"http://127.0.0.1:{ChildProcess.FreePort()}";
        var args = new List<string>
        {
            "--urls", tls is null ? url : $"{url};{plain}",
            "--HyperSearch:Clustering=localhost", $"--HyperSearch:ClusterId=ui-{Guid.NewGuid():N}",
            $"--HyperSearch:SiloPort={ChildProcess.FreePort()}", $"--HyperSearch:GatewayPort={ChildProcess.FreePort()}",
            $"--HyperSearch:CheckpointDirectory={Path.Combine(work, "checkpoints")}",
            $"--HyperSearch:Training:Enabled={slots > 0}", $"--HyperSearch:Training:Slots={Math.Max(1, slots)}",
            "--HyperSearch:Training:Device=cpu",
        };
        if (tls is not null)
        {
            args.AddRange([$"--HyperSearch:Tls:CertificateFile={tls.CertificateFile}", $"--HyperSearch:Tls:KeyFile={tls.KeyFile}", $"--HyperSearch:Tls:CaFile={tls.CaFile}"]);
        }

        var silo = new UiSilo(ChildProcess.Start(ChildProcess.SiloDll, args), url, work, tls?.CaFile) { PlainUrl = plain };
        try
        {
            await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client for this silo: over HTTPS it trusts only the test CA, and presents
    /// <paramref name="certificate"/> (an operator's or a viewer's) when given.</summary>
    public HttpClient Client(X509Certificate2? certificate = null)
    {
        var handler = new HttpClientHandler();
        if (_caFile is not null)
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(_caFile));
            handler.ServerCertificateCustomValidationCallback = (_, server, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return server is not null && chain.Build(server);
            };
            if (certificate is not null)
            {
                handler.ClientCertificateOptions = ClientCertificateOption.Manual;
                handler.ClientCertificates.Add(certificate);
            }
        }

        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>/readyz answers 200 once the silo is a member of its cluster and the HTTP host listens.</summary>
    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = Client();
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(Process.HasExited, $"the silo exited ({(Process.HasExited ? Process.ExitCode : 0)})\n{Process.Output()}");
            try
            {
                using var response = await http.GetAsync("/readyz");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the silo was not ready within {timeout} (last: {last})\n{Process.Output()}");
    }

    /// <summary>A command-trial spec: trial.py sleeps <paramref name="secondsPerEpoch"/> per epoch and reports a val_accuracy
    /// that depends on learning_rate and dropout.</summary>
    public static string Spec(string name, int trials, int epochs, double secondsPerEpoch, int concurrent) => $$"""
        name: {{name}}
        dataset: synthetic
        search:
          sampler: random
          scheduler: none
          max_trials: {{trials}}
          max_concurrent: {{concurrent}}
          time_budget: 10m
          seed: 7
        training: { epochs: {{epochs}}, seconds_per_epoch: {{secondsPerEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture)}} }
        space:
          learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
          dropout: { uniform: [0.1, 0.6] }
        trainer:
          command: [/usr/bin/python3, {{Path.Combine(ChildProcess.RepoRoot, "scripts", "cluster", "trial.py")}}]
          stop_grace_period: 3s
        """;

    /// <summary>POST /api/searches as the given client; returns the status and the answer.</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(HttpClient http, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/yaml") };
        request.Headers.Add(UiEndpoints.ActionHeader, "1");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    public static async Task<JsonNode> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public void Dispose()
    {
        Process.Dispose();
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A trial process may still be writing its last checkpoint; the temp folder is harmless.
        }
    }
}
