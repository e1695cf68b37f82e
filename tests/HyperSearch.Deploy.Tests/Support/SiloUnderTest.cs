using System.Net;
using System.Net.Sockets;

namespace HyperSearch.Deploy.Tests.Support;

/// <summary>A real silo process (the build of silo/HyperSearch.Silo in this assembly's configuration) on loopback
/// ports of its own: localhost clustering, no training slots. Disposing kills it.</summary>
public sealed class SiloUnderTest : IDisposable
{
    private readonly ChildProcess _process;
    private readonly DirectoryInfo _checkpoints;

    private SiloUnderTest(ChildProcess process, DirectoryInfo checkpoints, int httpPort)
    {
        _process = process;
        _checkpoints = checkpoints;
        HttpPort = httpPort;
    }

    public int HttpPort { get; }

    /// <summary>Starts the silo and waits until it is live (/healthz); what it serves at its metrics path is for the
    /// test's Prometheus to find.</summary>
    public static async Task<SiloUnderTest> StartAsync()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Repo.At("silo", "HyperSearch.Silo", "bin", baseDir.Parent!.Name, baseDir.Name, "HyperSearch.Silo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first (dotnet build HyperSearch.sln -c {baseDir.Parent.Name}; scripts/test.sh does)");
        var httpPort = FreePort();
        var checkpoints = Directory.CreateTempSubdirectory("hypersearch-deploy-silo-");
        var clusterId = $"deploy-{Guid.NewGuid():N}"[..16];
        // From its own folder, as in the container image, so that its appsettings.json applies.
        var silo = new SiloUnderTest(ChildProcess.Start("silo", "dotnet",
            [
                dll, "--urls", $"http://127.0.0.1:{httpPort}",
                $"--HyperSearch:SiloPort={FreePort()}", $"--HyperSearch:GatewayPort={FreePort()}",
                $"--HyperSearch:ClusterId={clusterId}", $"--HyperSearch:CheckpointDirectory={checkpoints.FullName}",
                "--HyperSearch:Training:Enabled=false",
            ], workingDirectory: Path.GetDirectoryName(dll)), checkpoints, httpPort);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            Assert.False(silo._process.HasExited, $"the silo exited at start\n{silo.Output()}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{httpPort}/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return silo;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                var output = silo.Output();
                silo.Dispose();
                Assert.Fail($"the silo did not answer /healthz within 120 s\n{output}");
            }

            await Task.Delay(250);
        }
    }

    public string Output() => _process.Output();

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            _checkpoints.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
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
