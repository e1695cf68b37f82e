using System.Net;

namespace HyperSearch.Cluster.Tests;

/// <summary>A real silo process (the silo build of this configuration) in Redis cluster mode, with an environment of
/// its own, no training, on free loopback ports. Disposing kills it.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ChildProcess _process;
    private readonly HttpClient _http;

    private SiloProcess(ChildProcess process, int httpPort)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public static SiloProcess Start(RedisServer redis, string clusterId, string? environmentPassword, string? passwordFile)
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = baseDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "HyperSearch.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "silo", "HyperSearch.Silo", "bin", baseDir.Parent!.Name, baseDir.Name, "HyperSearch.Silo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build this test project (it builds the silo) first");
        var httpPort = Ports.Free();
        var args = new List<string>
        {
            dll, "--urls", $"http://127.0.0.1:{httpPort}",
            "--HyperSearch:Clustering=redis", $"--HyperSearch:Redis:ConnectionString={redis.Endpoint}",
            $"--HyperSearch:ClusterId={clusterId}", "--HyperSearch:AdvertisedAddress=127.0.0.1",
            $"--HyperSearch:SiloPort={Ports.Free()}", $"--HyperSearch:GatewayPort={Ports.Free()}",
            "--HyperSearch:Training:Enabled=false",
        };
        if (passwordFile is not null)
        {
            args.Add($"--HyperSearch:Redis:PasswordFile={passwordFile}");
        }

        // Only this child's environment: the test process's REDIS_PASSWORD stays untouched (null removes it).
        var environment = new Dictionary<string, string?> { ["REDIS_PASSWORD"] = environmentPassword };
        return new SiloProcess(ChildProcess.Start("silo", "dotnet", args, Path.GetDirectoryName(dll), environment), httpPort);
    }

    public string Output() => _process.Output();

    /// <summary>/readyz: ready, and the reason it gives (or why nothing answered).</summary>
    public async Task<(bool Ready, string Reason)> ReadinessAsync()
    {
        if (_process.HasExited)
        {
            return (false, $"exited {_process.ExitCode}");
        }

        try
        {
            using var response = await _http.GetAsync("/readyz");
            return (response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (false, e.Message);
        }
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = (Ready: false, Reason: "");
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"the silo exited ({_process.ExitCode})\n{Output()}");
            }

            last = await ReadinessAsync();
            if (last.Ready)
            {
                Assert.Contains("member of cluster", last.Reason, StringComparison.Ordinal);
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the silo was not ready within {timeout} (last: {last.Reason})\n{Output()}");
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
    }
}
