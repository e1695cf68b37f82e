using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>A private Prometheus on loopback runs the shipped configuration and rules against a real silo process's
/// /metrics: the annotation relabelling keeps and labels the silo pod (and its series), other pods are dropped, and
/// the rules load and evaluate. Whether the dashboard's queries return data for a real search is
/// tests/HyperSearch.Monitoring.Tests' DashboardQueriesTests (a real search scraped by a real Prometheus).</summary>
public sealed class PrometheusIntegrationTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("hypersearch-prom-");
    private ChildProcess? _prometheus;
    private SiloUnderTest? _silo;

    public void Dispose()
    {
        _prometheus?.Dispose();
        _silo?.Dispose();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task Shipped_config_scrapes_an_annotated_silo_and_its_rules_evaluate()
    {
        var binary = Tool.Require("prometheus");
        _silo = await SiloUnderTest.StartAsync();
        var metricsPort = _silo.HttpPort;

        // The pod's annotations, as rendered; only the port differs (nothing here may bind 8080).
        var silo = Manifests.Render("k8s/overlays/cpu").Silos().First();
        var annotations = silo.Annotations;
        var pod = new JsonObject
        {
            ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = annotations["prometheus.io/scrape"],
            ["__meta_kubernetes_pod_annotation_prometheus_io_port"] = metricsPort.ToString(CultureInfo.InvariantCulture),
            ["__meta_kubernetes_pod_annotation_prometheus_io_path"] = annotations["prometheus.io/path"],
            ["__meta_kubernetes_pod_label_app_kubernetes_io_name"] = silo.Labels["app.kubernetes.io/name"],
            ["__meta_kubernetes_pod_label_app_kubernetes_io_component"] = silo.Labels["app.kubernetes.io/component"],
            ["__meta_kubernetes_namespace"] = "hypersearch",
            ["__meta_kubernetes_pod_name"] = "hypersearch-silo-7d9f-abcde",
        };
        JsonObject Without(string key, string? value)
        {
            var copy = (JsonObject)pod.DeepClone();
            if (value is null)
            {
                copy.Remove(key);
            }
            else
            {
                copy[key] = value;
            }

            copy["__meta_kubernetes_pod_name"] = $"other-{key.Length}-{value}";
            return copy;
        }

        var targets = new JsonArray(
            new JsonObject { ["targets"] = new JsonArray("127.0.0.1:11111"), ["labels"] = pod },
            new JsonObject { ["targets"] = new JsonArray("127.0.0.1:11112"), ["labels"] = Without("__meta_kubernetes_pod_annotation_prometheus_io_scrape", null) },
            new JsonObject { ["targets"] = new JsonArray("127.0.0.1:11113"), ["labels"] = Without("__meta_kubernetes_pod_label_app_kubernetes_io_name", "hypersearch-redis") });
        Directory.CreateDirectory(Path.Combine(_work.FullName, "targets"));
        File.WriteAllText(Path.Combine(_work.FullName, "targets", "silos.json"), targets.ToJsonString());

        var config = MonitoringTests.WithFileDiscovery(File.ReadAllText(Repo.At("k8s", "monitoring", "prometheus", "prometheus.yml")))
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("scrape_timeout: 10s", "scrape_timeout: 1s", StringComparison.Ordinal)
            .Replace("evaluation_interval: 30s", "evaluation_interval: 1s", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(_work.FullName, "prometheus.yml"), config);
        File.Copy(Repo.At("k8s", "monitoring", "prometheus", "hypersearch.rules.yml"), Path.Combine(_work.FullName, "hypersearch.rules.yml"));

        var webPort = FreePort();
        var prometheus = _prometheus = ChildProcess.Start("prometheus", binary,
        [
            "--config.file=prometheus.yml", $"--storage.tsdb.path={Path.Combine(_work.FullName, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{webPort}", "--log.level=warn",
        ], workingDirectory: _work.FullName);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(5) };
        string Log() => prometheus.Output();

        async Task<JsonNode?> Api(string path)
        {
            try
            {
                // Until it is ready, Prometheus answers 503 with a plain-text body: not an answer yet.
                using var response = await http.GetAsync(path);
                return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        // Ready, and the silo target scraped at least twice (the rules' rate() needs two samples).
        var deadline = DateTime.UtcNow.AddSeconds(90);
        JsonObject? active = null;
        var samples = 0;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(prometheus.HasExited, $"prometheus exited:\n{Log()}");
            var t = await Api("/api/v1/targets");
            active = t?["data"]?["activeTargets"].Objects().FirstOrDefault(x => x["labels"]?["job"].Str() == "hypersearch-silo");
            var count = await Api($"/api/v1/query?query={Uri.EscapeDataString("count_over_time(up{job=\"hypersearch-silo\"}[1m])")}");
            samples = count?["data"]?["result"].Objects().Select(r => int.Parse(r["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture)).FirstOrDefault() ?? 0;
            if (active?["health"].Str() == "up" && samples >= 2)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(active?["health"].Str() == "up", $"silo target not up: {active?.ToJsonString()}\n{Log()}\n{_silo.Output()}");
        Assert.True(samples >= 2, $"the silo was scraped {samples} time(s) in 90 s\n{Log()}");
        Assert.Equal($"http://127.0.0.1:{metricsPort}/metrics", active!["scrapeUrl"].Str());
        Assert.Equal("hypersearch-silo-7d9f-abcde", active["labels"]!["pod"].Str());
        Assert.Equal("hypersearch", active["labels"]!["namespace"].Str());
        Assert.Equal("silo", active["labels"]!["component"].Str());
        var all = await Api("/api/v1/targets");
        Assert.Single(all!["data"]!["activeTargets"].Objects(), x => x["labels"]?["job"].Str() == "hypersearch-silo");
        Assert.Equal(2, all["data"]!["droppedTargets"].Objects().Count(x => x["discoveredLabels"]?["job"].Str() == "hypersearch-silo"));

        // The silo's own series arrive under the relabelled target: its HyperSearch meter and the Orleans runtime's.
        foreach (var series in new[] { "hypersearch_training_slots", "hypersearch_training_slots_busy" })
        {
            var result = await Api($"/api/v1/query?query={Uri.EscapeDataString($"{series}{{job=\"hypersearch-silo\",pod=\"hypersearch-silo-7d9f-abcde\",namespace=\"hypersearch\"}}")}");
            Assert.True(result?["data"]?["result"].Objects().Any() == true, $"no {series} from the silo pod: {result?.ToJsonString()}");
        }

        var orleans = await Api($"/api/v1/query?query={Uri.EscapeDataString("count({__name__=~\"orleans_.+\",job=\"hypersearch-silo\"})")}");
        Assert.True(orleans?["data"]?["result"].Objects().Any() == true, $"no orleans_* series from the silo: {orleans?.ToJsonString()}");

        // The alert rules are loaded and evaluate without errors against the real series.
        var rules = (await Api("/api/v1/rules"))!["data"]!["groups"].Objects().SelectMany(g => g["rules"].Objects()).ToList();
        Assert.Equal(MonitoringTests.RequiredAlerts.Order(), rules.Select(r => r["name"].Str()!).Intersect(MonitoringTests.RequiredAlerts).Order());
        var evaluated = DateTime.UtcNow.AddSeconds(30);
        while (rules.Any(r => r["lastEvaluation"].Str() is null or "0001-01-01T00:00:00Z") && DateTime.UtcNow < evaluated)
        {
            await Task.Delay(500);
            rules = (await Api("/api/v1/rules"))!["data"]!["groups"].Objects().SelectMany(g => g["rules"].Objects()).ToList();
        }

        Assert.All(rules, r => Assert.True(r["health"].Str() == "ok", $"{r["name"].Str()}: {r.ToJsonString()}"));
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
