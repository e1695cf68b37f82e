using System.Net;

namespace HyperSearch.Monitoring.Tests.Support;

/// <summary>A real silo process (HyperSearch.Silo.dll) on loopback ports of its own, with localhost clustering,
/// in-memory storage and a cluster id no other test uses. Disposing kills it and removes its checkpoints.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _checkpoints;

    private SiloProcess(ChildProcess process, DirectoryInfo checkpoints, int httpPort, int gatewayPort, string clusterId)
    {
        _process = process;
        _checkpoints = checkpoints;
        HttpPort = httpPort;
        GatewayPort = gatewayPort;
        ClusterId = clusterId;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int HttpPort { get; }

    public int GatewayPort { get; }

    public string ClusterId { get; }

    public HttpClient Http { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    /// <summary>The root of this silo's checkpoint store (&lt;root&gt;/&lt;search id&gt;/trial-NNNN/).</summary>
    public string CheckpointDirectory => _checkpoints.FullName;

    public static SiloProcess Start(params string[] extraArgs)
    {
        var silo = Layout.SiloDll;
        var httpPort = Loopback.FreePort();
        var siloPort = Loopback.FreePort();
        var gatewayPort = Loopback.FreePort();
        var clusterId = $"mon-{Guid.NewGuid():N}"[..16];
        var checkpoints = Directory.CreateTempSubdirectory("hypersearch-mon-ckpt-");
        string[] args =
        [
            silo,
            "--urls", $"http://127.0.0.1:{httpPort}",
            $"--HyperSearch:SiloPort={siloPort}",
            $"--HyperSearch:GatewayPort={gatewayPort}",
            $"--HyperSearch:ClusterId={clusterId}",
            $"--HyperSearch:CheckpointDirectory={checkpoints.FullName}",
            "--HyperSearch:Training:Threads=1",
            .. extraArgs,
        ];

        // From its own folder, as in the container image, so that its appsettings.json applies.
        var process = ChildProcess.Start("silo", "dotnet", args, workingDirectory: Path.GetDirectoryName(silo));
        return new SiloProcess(process, checkpoints, httpPort, gatewayPort, clusterId);
    }

    public string Output() => _process.Output();

    /// <summary>GET a path; the status code and body, or (0, error) when nothing answers.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await Http.GetAsync(path);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    /// <summary>Waits until <paramref name="path"/> answers <paramref name="status"/>; fails with the silo's output
    /// when the silo exits or the time runs out.</summary>
    public async Task<string> WaitForAsync(string path, HttpStatusCode status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = (Status: (HttpStatusCode)0, Body: "");
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"the silo exited while waiting for {path}\n{Output()}");
            last = await GetAsync(path);
            if (last.Status == status)
            {
                return last.Body;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"{path} did not answer {(int)status} within {timeout.TotalSeconds:0} s (last: {(int)last.Status} {last.Body})\n{Output()}");
        return "";
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
        try
        {
            _checkpoints.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
