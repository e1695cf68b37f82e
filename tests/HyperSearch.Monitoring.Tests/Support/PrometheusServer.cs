using System.Globalization;
using System.Text.Json.Nodes;

namespace HyperSearch.Monitoring.Tests.Support;

/// <summary>A private Prometheus (the Debian package's binary) on a free 127.0.0.1 port, with its TSDB in a temp
/// folder, scraping the given targets every second. Disposing kills it and removes the folder.</summary>
internal sealed class PrometheusServer : IDisposable
{
    public const string Job = "hypersearch-silo";

    private readonly ChildProcess _process;
    private readonly DirectoryInfo _work;

    private PrometheusServer(ChildProcess process, DirectoryInfo work, int port)
    {
        _process = process;
        _work = work;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Http { get; }

    /// <summary>The prometheus binary on PATH; fails the test, saying how to install it, when there is none.</summary>
    public static string RequireBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "prometheus");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail("prometheus was not found on PATH: these tests run a real Prometheus. Install it with scripts/install-deps.sh (apt-get install -y prometheus); scripts/test.sh runs that first.");
        return "";
    }

    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var binary = RequireBinary();
        var work = Directory.CreateTempSubdirectory("hypersearch-mon-prom-");
        var port = Loopback.FreePort();
        var config = $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {Job}
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """;
        File.WriteAllText(Path.Combine(work.FullName, "prometheus.yml"), config);
        var process = ChildProcess.Start("prometheus", binary,
        [
            $"--config.file={Path.Combine(work.FullName, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(work.FullName, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ], workingDirectory: work.FullName);
        var server = new PrometheusServer(process, work, port);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, $"prometheus exited at start\n{process.Output()}");
            try
            {
                using var response = await server.Http.GetAsync("/-/ready");
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                server.Dispose();
                Assert.Fail($"prometheus was not ready within 60 s\n{process.Output()}");
            }

            await Task.Delay(250);
        }
    }

    public string Output() => _process.Output();

    /// <summary>Runs an instant query; the result vector (fails on an API error).</summary>
    public async Task<IReadOnlyList<JsonObject>> QueryAsync(string promql)
    {
        var body = await Http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var json = JsonNode.Parse(body)!;
        Assert.True(json["status"]?.GetValue<string>() == "success", $"{promql}: {body}");
        return json["data"]!["result"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    /// <summary>Runs a range query (one-second steps); the result matrix (fails on an API error).</summary>
    public async Task<IReadOnlyList<JsonObject>> QueryRangeAsync(string promql, DateTimeOffset start, DateTimeOffset end)
    {
        var body = await Http.GetStringAsync(string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/query_range?query={Uri.EscapeDataString(promql)}&start={start.ToUnixTimeMilliseconds() / 1000.0:0.###}&end={end.ToUnixTimeMilliseconds() / 1000.0:0.###}&step=1"));
        var json = JsonNode.Parse(body)!;
        Assert.True(json["status"]?.GetValue<string>() == "success", $"{promql}: {body}");
        return json["data"]!["result"]!.AsArray().Select(r => r!.AsObject()).ToList();
    }

    /// <summary>The value of a one-element result vector.</summary>
    public static double ValueOf(JsonObject series) =>
        double.Parse(series["value"]![1]!.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Every metric name Prometheus holds.</summary>
    public async Task<IReadOnlyList<string>> MetricNamesAsync()
    {
        var body = await Http.GetStringAsync("/api/v1/label/__name__/values");
        return JsonNode.Parse(body)!["data"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
    }

    public async Task<JsonObject?> TargetAsync()
    {
        var body = await Http.GetStringAsync("/api/v1/targets");
        return JsonNode.Parse(body)!["data"]!["activeTargets"]!.AsArray()
            .Select(t => t!.AsObject())
            .FirstOrDefault(t => t["labels"]?["job"]?.GetValue<string>() == Job);
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
        try
        {
            _work.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
