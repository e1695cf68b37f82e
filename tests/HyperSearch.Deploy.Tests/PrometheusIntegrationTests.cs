using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>A private Prometheus on loopback runs the shipped configuration and rules against a fake silo
/// /metrics endpoint: the annotation relabelling keeps and labels the silo pod, the rules load, and every
/// dashboard query returns data for metrics of the shape a silo exports.</summary>
public sealed class PrometheusIntegrationTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("hypersearch-prom-");
    private readonly CancellationTokenSource _stop = new();
    private Process? _prometheus;

    public void Dispose()
    {
        _stop.Cancel();
        if (_prometheus is { HasExited: false })
        {
            _prometheus.Kill();
            _prometheus.WaitForExit(10_000);
        }

        _prometheus?.Dispose();
        _stop.Dispose();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task Shipped_config_scrapes_an_annotated_silo_and_the_dashboard_queries_return_data()
    {
        var binary = Tool.Require("prometheus");
        var metricsPort = FreePort();
        var scrapes = 0;
        _ = Task.Run(() => ServeMetrics(metricsPort, () => Interlocked.Increment(ref scrapes)));

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
        var psi = new ProcessStartInfo(binary)
        {
            WorkingDirectory = _work.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--config.file=prometheus.yml", $"--storage.tsdb.path={Path.Combine(_work.FullName, "tsdb")}",
                     $"--web.listen-address=127.0.0.1:{webPort}", "--log.level=warn",
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        var log = new StringBuilder();
        _prometheus = Process.Start(psi)!;
        _prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(5) };
        string Log() { lock (log) { return log.ToString(); } }

        async Task<JsonNode?> Api(string path)
        {
            try
            {
                using var response = await http.GetAsync(path);
                return JsonNode.Parse(await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        // Ready, and the silo target scraped a few times (rate() needs two samples).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject? active = null;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_prometheus.HasExited, $"prometheus exited:\n{Log()}");
            var t = await Api("/api/v1/targets");
            active = t?["data"]?["activeTargets"].Objects().FirstOrDefault(x => x["labels"]?["job"].Str() == "hypersearch-silo");
            if (active?["health"].Str() == "up" && Volatile.Read(ref scrapes) >= 5)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(active?["health"].Str() == "up", $"silo target not up: {active?.ToJsonString()}\n{Log()}");
        Assert.Equal($"http://127.0.0.1:{metricsPort}/metrics", active!["scrapeUrl"].Str());
        Assert.Equal("hypersearch-silo-7d9f-abcde", active["labels"]!["pod"].Str());
        Assert.Equal("hypersearch", active["labels"]!["namespace"].Str());
        Assert.Equal("silo", active["labels"]!["component"].Str());
        var all = await Api("/api/v1/targets");
        Assert.Single(all!["data"]!["activeTargets"].Objects(), x => x["labels"]?["job"].Str() == "hypersearch-silo");
        Assert.Equal(2, all["data"]!["droppedTargets"].Objects().Count(x => x["discoveredLabels"]?["job"].Str() == "hypersearch-silo"));

        // The alert rules are loaded and evaluate without errors.
        var rules = (await Api("/api/v1/rules"))!["data"]!["groups"].Objects().SelectMany(g => g["rules"].Objects()).ToList();
        Assert.Equal(MonitoringTests.RequiredAlerts.Order(), rules.Select(r => r["name"].Str()!).Intersect(MonitoringTests.RequiredAlerts).Order());
        Assert.All(rules, r => Assert.Equal("ok", r["health"].Str()));

        // Every dashboard query, with Grafana's variables filled in, returns at least one series.
        var dashboard = JsonNode.Parse(File.ReadAllText(Repo.At("k8s", "monitoring", "dashboards", "hypersearch.json")))!;
        var exprs = dashboard["panels"].Objects().SelectMany(p => p["targets"].Objects()).Select(t => t["expr"].Str()!).ToList();
        var definition = dashboard["templating"]!["list"].Objects().Single(v => v["name"].Str() == "search")["definition"].Str()!;
        var empty = new List<string>();
        foreach (var expr in exprs)
        {
            var query = expr.Replace("$__rate_interval", "4s", StringComparison.Ordinal)
                .Replace("$__range", "1m", StringComparison.Ordinal)
                .Replace("$search", "fmnist-.*", StringComparison.Ordinal);
            var result = await Api($"/api/v1/query?query={Uri.EscapeDataString(query)}");
            Assert.True(result?["status"].Str() == "success", $"{query}: {result?.ToJsonString()}");
            if (!result!["data"]!["result"].Objects().Any())
            {
                empty.Add(query);
            }
        }

        Assert.True(empty.Count == 0, "dashboard queries without data:\n  " + string.Join("\n  ", empty));

        // The search variable lists the search.
        var metric = definition[(definition.IndexOf('(', StringComparison.Ordinal) + 1)..definition.IndexOf(',', StringComparison.Ordinal)].Trim();
        var values = await Api($"/api/v1/label/search_id/values?match[]={Uri.EscapeDataString(metric)}");
        Assert.Contains("fmnist-quick", values!["data"]!.AsArray().Select(v => v.Str()));
    }

    /// <summary>A minimal HTTP server answering every request with a silo-like exposition of every metric
    /// in k8s/monitoring/metrics.txt; counters grow by one per scrape.</summary>
    private async Task ServeMetrics(int port, Func<int> onScrape)
    {
        var names = File.ReadAllLines(Repo.At("k8s", "monitoring", "metrics.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(_stop.Token);
                await using var stream = client.GetStream();
                var buffer = new byte[8192];
                var read = 0;
                while (read < buffer.Length)
                {
                    var n = await stream.ReadAsync(buffer.AsMemory(read), _stop.Token);
                    read += n;
                    if (n == 0 || Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                var body = Exposition(names, onScrape());
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string Exposition(IEnumerable<string> names, int scrape)
    {
        var s = new StringBuilder();
        var search = "search_id=\"fmnist-quick\"";
        foreach (var name in names)
        {
            if (name.StartsWith("hypersearch_epoch_duration_seconds", StringComparison.Ordinal))
            {
                continue; // the histogram is written once below
            }

            var labels = name switch
            {
                "hypersearch_trial_val_accuracy" => $"{{{search},trial=\"3\"}}",
                "hypersearch_search_state" => $"{{{search},state=\"Running\"}}",
                _ when name.StartsWith("hypersearch_trials_", StringComparison.Ordinal) || name.StartsWith("hypersearch_search_", StringComparison.Ordinal) => $"{{{search}}}",
                _ => "",
            };
            var counter = name.EndsWith("_total", StringComparison.Ordinal);
            var value = name switch
            {
                _ when counter => scrape,
                "hypersearch_search_state" => 1,
                "hypersearch_training_slots" => 2,
                "hypersearch_training_slots_busy" => 1,
                "hypersearch_training_images_per_second" => 900,
                "hypersearch_trial_val_accuracy" => 0.87,
                "hypersearch_search_best_val_accuracy" => 0.88,
                _ => 3,
            };
            s.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {(counter ? "counter" : "gauge")}\n");
            s.Append(CultureInfo.InvariantCulture, $"{name}{labels} {value}\n");
        }

        s.Append("# TYPE hypersearch_epoch_duration_seconds histogram\n");
        foreach (var (le, count) in new[] { ("10", 0), ("30", scrape), ("60", 2 * scrape), ("+Inf", 2 * scrape) })
        {
            s.Append(CultureInfo.InvariantCulture, $"hypersearch_epoch_duration_seconds_bucket{{{search},le=\"{le}\"}} {count}\n");
        }

        s.Append(CultureInfo.InvariantCulture, $"hypersearch_epoch_duration_seconds_sum{{{search}}} {75 * scrape}\n");
        s.Append(CultureInfo.InvariantCulture, $"hypersearch_epoch_duration_seconds_count{{{search}}} {2 * scrape}\n");
        return s.ToString();
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
