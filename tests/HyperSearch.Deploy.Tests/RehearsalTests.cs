using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>scripts/k8s-rehearsal.sh refuses a deploy broken in one place, naming the mismatch. Its full run (the
/// search completes) is a script-level test of scripts/test.sh; here it resolves both overlays without starting
/// anything, and fails on an id, a port, an env name, a mount path and a Secret name.</summary>
public sealed class RehearsalTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("hypersearch-rehearsal-test-");

    [Theory]
    [InlineData("cpu")]
    [InlineData("gpu")]
    public void Both_overlays_resolve_completely(string overlay)
    {
        var (result, line) = Rehearse(overlay, null, "--check-only");
        Assert.True(result.ExitCode == 0 && line["passed"]!.GetValue<bool>(), result.Describe());
        Assert.Equal("hypersearch", line["client_cluster_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("id", "Job/hypersearch-search", "/spec/template/spec/containers/name=hypersearch/env/name=HYPERSEARCH_CLUSTER_ID/value", "dev",
        "HYPERSEARCH_CLUSTER_ID is 'dev' but the silos' pod label orleans/clusterId is 'hypersearch'")]
    [InlineData("port", "Job/hypersearch-search", "/spec/template/spec/containers/name=hypersearch/env/name=HYPERSEARCH_GATEWAY/value", "hypersearch-gateway:30001",
        "names hypersearch-gateway:30001, but Service hypersearch-gateway exposes port(s) 30000")]
    [InlineData("target port", "Service/hypersearch-gateway", "/spec/ports/0/targetPort", "gateways",
        "Service hypersearch-gateway port 30000: targetPort 'gateways' names no container port of Deployment/hypersearch-silo")]
    [InlineData("mount path", "Deployment/hypersearch-silo", "/spec/template/spec/containers/name=silo/volumeMounts/name=redis-password/mountPath", "/var/run/secrets/redis",
        "env HyperSearch__Redis__PasswordFile: /var/run/secrets/hypersearch/redis/password lies under no volume mount")]
    [InlineData("Secret key", "Deployment/hypersearch-silo", "/spec/template/spec/volumes/name=redis-password/secret/items/0/key", "passwd",
        "Secret 'hypersearch-redis' has no key 'passwd'")]
    [InlineData("Secret name", "Deployment/hypersearch-silo", "/spec/template/spec/volumes/name=redis-password/secret/secretName", "hypersearch-redis-password",
        "Secret 'hypersearch-redis-password' is neither in the rendered manifests nor among the external Secrets")]
    public void A_static_mismatch_fails_before_anything_starts(string what, string target, string path, string value, string expected)
    {
        var (result, line) = Rehearse("cpu", Patch(target, path, value));
        AssertFailed(result, line, expected, what);
        Assert.Equal(0, line["processes"]!.GetValue<int>());
    }

    [Fact]
    public void A_misspelt_setting_env_name_fails_once_the_silo_starts()
    {
        // Nothing resolves env names statically: the silo reports settings nothing reads, and the rehearsal fails on it.
        var patch = Patch("Deployment/hypersearch-silo", "/spec/template/spec/containers/name=silo/env/name=HyperSearch__Training__Threads/name",
            "HyperSearch__Training__Thread");
        var (result, line) = Rehearse("cpu", patch);
        AssertFailed(result, line, "unknown setting HyperSearch:Training:Thread (env HyperSearch__Training__Thread)", "env name");
    }

    public void Dispose() => _work.Delete(recursive: true);

    private string Patch(string target, string path, string value)
    {
        var file = Path.Combine(_work.FullName, $"patch-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, $"- target: {target}\n  path: {path}\n  value: \"{value}\"\n");
        return file;
    }

    private static (ProcessResult Result, JsonObject Line) Rehearse(string overlay, string? patch, params string[] extra)
    {
        List<string> args = [Repo.At("scripts", "k8s-rehearsal.sh"), overlay, .. extra];
        if (patch is not null)
        {
            args.AddRange(["--patch", patch]);
        }

        // The first run here may publish the silo and CLI (minutes on a loaded machine); later runs reuse them.
        var result = ChildProcess.Run(Tool.Require("bash"), args, timeout: TimeSpan.FromMinutes(15), workingDirectory: Repo.Root);
        var last = result.StdOut.TrimEnd().Split('\n')[^1];
        return (result, JsonNode.Parse(last)!.AsObject());
    }

    private static void AssertFailed(ProcessResult result, JsonObject line, string expected, string what)
    {
        Assert.True(result.ExitCode != 0, $"a broken {what} passed:\n{result.Describe()}");
        Assert.False(line["passed"]!.GetValue<bool>());
        var error = line["error"]?.GetValue<string>() ?? "";
        Assert.True(error.Contains(expected, StringComparison.Ordinal), $"broken {what}: expected '{expected}' in the error, got '{error}'\n{result.StdErr}");
    }
}
