using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>The dataset fetch script (run for real, with file:// sources), scripts/port-forward.sh (with
/// a fake kubectl) and the syntax of every deployment shell script.</summary>
public sealed class ScriptTests : IDisposable
{
    private static readonly string FetchScript = Repo.At("k8s", "base", "datasets", "fetch-datasets.sh");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("hypersearch-scripts-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("sh", "k8s/base/datasets/fetch-datasets.sh")]
    [InlineData("bash", "scripts/port-forward.sh")]
    [InlineData("bash", "scripts/deploy-test-deps.sh")]
    public void Script_parses(string shell, string script)
    {
        var result = ChildProcess.Run(Tool.Require(shell), ["-n", Repo.At(script)], workingDirectory: Repo.Root);
        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public void Fetch_downloads_verifies_and_then_keeps_verified_files()
    {
        var (source, sums) = FakeFashionMnist();
        var data = Path.Combine(_work.FullName, "data");
        var result = Fetch("fetch", data, sums, $"file://{Path.Combine(_work.FullName, "missing")} file://{source}");
        Assert.True(result.ExitCode == 0, result.Describe());
        foreach (var name in FileNames)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, name + ".gz")), File.ReadAllBytes(Path.Combine(data, "fashion-mnist", name + ".gz")));
        }

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "fashion-mnist"), "*.part.*"));

        // A second run finds everything verified and downloads nothing (the source is gone).
        Directory.Delete(source, recursive: true);
        var again = Fetch("fetch", data, sums, $"file://{source}");
        Assert.True(again.ExitCode == 0, again.Describe());
        Assert.Contains("present and verified", again.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("fetching", again.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetch_fails_on_a_checksum_mismatch_and_leaves_nothing_behind()
    {
        var (source, sums) = FakeFashionMnist();
        var tampered = Path.Combine(source, FileNames[1] + ".gz");
        File.WriteAllBytes(tampered, Gzip(Encoding.ASCII.GetBytes("not the labels")));
        var data = Path.Combine(_work.FullName, "data");
        var result = Fetch("fetch", data, sums, $"file://{source}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"no source gave fashion-mnist/{FileNames[1]}.gz", result.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "fashion-mnist", FileNames[1] + ".gz")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(data, "fashion-mnist"), "*.part.*"));
    }

    [Fact]
    public void Fetch_replaces_a_damaged_file()
    {
        var (source, sums) = FakeFashionMnist();
        var data = Path.Combine(_work.FullName, "data");
        Assert.Equal(0, Fetch("fetch", data, sums, $"file://{source}").ExitCode);
        var target = Path.Combine(data, "fashion-mnist", FileNames[0] + ".gz");
        File.WriteAllBytes(target, [1, 2, 3]);
        var result = Fetch("fetch", data, sums, $"file://{source}");
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(File.ReadAllBytes(Path.Combine(source, FileNames[0] + ".gz")), File.ReadAllBytes(target));
    }

    [Fact]
    public void Verify_waits_for_the_data_and_gives_up_after_its_timeout()
    {
        var (source, sums) = FakeFashionMnist();
        var data = Path.Combine(_work.FullName, "data");
        var missing = Fetch("verify", data, sums, "", ("WAIT_TIMEOUT_SECONDS", "2"), ("WAIT_INTERVAL_SECONDS", "1"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("not present and verified", missing.StdErr, StringComparison.Ordinal);

        Assert.Equal(0, Fetch("fetch", data, sums, $"file://{source}").ExitCode);
        var present = Fetch("verify", data, sums, "", ("WAIT_TIMEOUT_SECONDS", "0"));
        Assert.True(present.ExitCode == 0, present.Describe());
    }

    [Fact]
    public void Verify_refuses_an_empty_checksum_list()
    {
        var sums = Path.Combine(_work.FullName, "empty-sums");
        Directory.CreateDirectory(sums);
        File.WriteAllText(Path.Combine(sums, "fashion-mnist.sha256"), "# nothing\n");
        var result = Fetch("verify", Path.Combine(_work.FullName, "data"), sums, "", ("WAIT_TIMEOUT_SECONDS", "0"));
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Shipped_checksums_match_the_real_Fashion_MNIST()
    {
        const string debian = "/usr/share/datasets/fashion-mnist";
        Assert.True(File.Exists(Path.Combine(debian, "train-images-idx3-ubyte.gz")),
            $"Fashion-MNIST not found under {debian}: run scripts/deploy-test-deps.sh (apt-get install dataset-fashion-mnist)");
        var data = Path.Combine(_work.FullName, "data");
        var result = Fetch("fetch", data, Path.GetDirectoryName(FetchScript)!, $"file://{debian}");
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(4, Directory.GetFiles(Path.Combine(data, "fashion-mnist"), "*.gz").Length);
    }

    [Fact]
    public void Port_forward_forwards_the_gateway_service_and_stops_its_forwards()
    {
        var bash = Tool.Require("bash");
        var bin = Path.Combine(_work.FullName, "bin");
        Directory.CreateDirectory(bin);
        var log = Path.Combine(_work.FullName, "kubectl.log");
        var pids = Path.Combine(_work.FullName, "kubectl.pids");
        var err = Path.Combine(_work.FullName, "port-forward.err");
        // The silo pods' labels answer the id lookups; every other call is a forward that runs until stopped.
        // exec keeps the PID: the recorded PIDs are the forwards themselves, and only this test's.
        File.WriteAllText(Path.Combine(bin, "kubectl"), $$"""
            #!/bin/sh
            echo "$*" >> '{{log}}'
            case "$*" in
                *"get pods"*clusterId*) printf prod-cluster; exit 0 ;;
                *"get pods"*serviceId*) printf prod-service; exit 0 ;;
            esac
            echo $$ >> '{{pids}}'
            exec sleep 31.4159

            """);
        Assert.Equal(0, ChildProcess.Run(Tool.Require("sh"), ["-c", $"chmod +x '{Path.Combine(bin, "kubectl")}'"], workingDirectory: Repo.Root).ExitCode);

        // Run it until both forwards are up and it has printed its export line (up to 60 s on a loaded box),
        // then stop it (a background job ignores SIGINT, so TERM stands in for Ctrl-C).
        var script = $"""
            '{Repo.At("scripts", "port-forward.sh")}' --namespace hs-test --grafana 2> '{err}' & pid=$!
            for i in $(seq 600); do
              [ "$(grep -c port-forward '{log}' 2>/dev/null)" -ge 2 ] && grep -q 'export HYPERSEARCH_GATEWAY' '{err}' && break
              sleep 0.1
            done
            kill -TERM $pid; wait $pid; echo exit=$?
            cat '{err}' >&2
            """;
        var result = ChildProcess.Run(bash, ["-c", script], environment: new Dictionary<string, string?>
        {
            ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}",
        }, timeout: TimeSpan.FromSeconds(120), workingDirectory: Repo.Root);
        Assert.True(File.Exists(log), result.Describe());
        var calls = File.ReadAllLines(log);
        Assert.Contains("--namespace hs-test port-forward --address 127.0.0.1 service/hypersearch-gateway 30000:30000", calls);
        Assert.Contains("--namespace hs-test port-forward --address 127.0.0.1 service/hypersearch-grafana 3000:3000", calls);
        Assert.Contains("export HYPERSEARCH_GATEWAY=127.0.0.1:30000 HYPERSEARCH_SERVICE_ID=prod-service HYPERSEARCH_CLUSTER_ID=prod-cluster",
            result.StdErr, StringComparison.Ordinal);
        Assert.Contains("--namespace hs-test get pods -l app.kubernetes.io/name=hypersearch-silo -o jsonpath={.items[0].metadata.labels.orleans/clusterId}", calls);

        // The forwards it started are gone (each checked by its own PID, not by a machine-wide process search).
        var forwards = File.ReadAllLines(pids).Select(int.Parse).ToArray();
        Assert.Equal(calls.Count(c => c.Contains("port-forward", StringComparison.Ordinal)), forwards.Length);
        foreach (var pid in forwards)
        {
            Assert.True(ForwardGone(pid, TimeSpan.FromSeconds(30)), $"forward {pid} still runs 30 s after the script stopped\n{result.Describe()}");
        }
    }

    /// <summary>Whether the fake forward with this PID has exited (or become a zombie) within the timeout.</summary>
    private static bool ForwardGone(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string? cmdline = null, stat = null;
            try
            {
                cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (IOException)
            {
            }

            // Gone, a zombie awaiting its reaper, or the PID reused by something else: the forward is dead.
            if (cmdline is null || stat is null || !cmdline.Contains("31.4159", StringComparison.Ordinal) || stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(100);
        }
    }

    [Fact]
    public void Port_forward_targets_the_gateway_Service_of_the_manifests()
    {
        var script = Repo.ReadText("scripts", "port-forward.sh");
        var gateway = Manifests.Render("k8s/overlays/cpu").Single("Service", "hypersearch-gateway");
        Assert.Equal("30000", gateway["spec"]!["ports"]![0]!["port"].Str());
        Assert.Contains("forward gateway hypersearch-gateway \"$gateway_port:30000\"", script, StringComparison.Ordinal);
        var monitoring = Manifests.Render("k8s/overlays/monitoring");
        Assert.Equal("3000", monitoring.Single("Service", "hypersearch-grafana")["spec"]!["ports"]![0]!["port"].Str());
        Assert.Equal("9090", monitoring.Single("Service", "hypersearch-prometheus")["spec"]!["ports"]![0]!["port"].Str());
    }

    // ---- helpers ----

    private static readonly string[] FileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Small gzip files in the Fashion-MNIST names, and a checksum folder for them.</summary>
    private (string Source, string Sums) FakeFashionMnist()
    {
        var source = Path.Combine(_work.FullName, "source");
        var sums = Path.Combine(_work.FullName, "sums");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(sums);
        var lines = new StringBuilder("# test checksums\n");
        foreach (var (name, i) in FileNames.Select((n, i) => (n, i)))
        {
            var content = Encoding.ASCII.GetBytes($"{name} {i} {new string('x', 100 * (i + 1))}");
            File.WriteAllBytes(Path.Combine(source, name + ".gz"), Gzip(content));
            lines.Append(Convert.ToHexStringLower(SHA256.HashData(content))).Append("  ").Append(name).Append('\n');
        }

        File.WriteAllText(Path.Combine(sums, "fashion-mnist.sha256"), lines.ToString());
        return (source, sums);
    }

    private static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static ProcessResult Fetch(string mode, string dataDir, string sumsDir, string urls, params (string Key, string Value)[] extra)
    {
        Tool.Require("curl");
        var env = new Dictionary<string, string?>
        {
            ["DATA_DIR"] = dataDir,
            ["SUMS_DIR"] = sumsDir,
            ["DATASETS"] = "fashion-mnist",
            ["FASHION_MNIST_URLS"] = urls,
        };
        foreach (var (key, value) in extra)
        {
            env[key] = value;
        }

        return ChildProcess.Run(Tool.Require("sh"), [FetchScript, mode], environment: env, timeout: TimeSpan.FromMinutes(1), workingDirectory: Repo.Root);
    }
}
