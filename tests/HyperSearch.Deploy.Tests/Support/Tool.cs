namespace HyperSearch.Deploy.Tests.Support;

/// <summary>Finds the command-line tools the deployment checks need (ChildProcess runs them). A missing tool fails the
/// test that needs it, naming the tool and how to install it; nothing is skipped.</summary>
public static class Tool
{
    private static readonly Dictionary<string, string> InstallHints = new(StringComparer.Ordinal)
    {
        ["kubectl"] = "kubectl 1.32+ with its built-in kustomize is expected on the machine",
        ["node"] = "Node.js 20+ is expected on the machine",
        ["promtool"] = "run scripts/deploy-test-deps.sh (apt-get install prometheus)",
        ["prometheus"] = "run scripts/deploy-test-deps.sh (apt-get install prometheus)",
        ["sh"] = "a POSIX shell is expected on the machine",
        ["bash"] = "bash is expected on the machine",
        ["curl"] = "apt-get install curl",
    };

    /// <summary>Absolute path of <paramref name="name"/> on PATH; fails the test when it is not there.</summary>
    public static string Require(string name)
    {
        var found = Find(name);
        if (found is null)
        {
            var hint = InstallHints.TryGetValue(name, out var h) ? h : "install it";
            Assert.Fail($"required tool '{name}' was not found on PATH ({hint}). The deployment checks cannot run without it.");
        }

        return found!;
    }

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The k8s/tests validator's npm packages; fails with the fix when they are not installed.</summary>
    public static string RequireValidator()
    {
        var dir = Repo.At("k8s", "tests");
        foreach (var package in new[] { "kubernetes-models", "@kubernetes-models/prometheus-operator", "js-yaml" })
        {
            if (!Directory.Exists(Path.Combine(dir, "node_modules", package)))
            {
                Assert.Fail($"npm package {package} is not installed in k8s/tests/node_modules: run scripts/deploy-test-deps.sh (npm ci in k8s/tests).");
            }
        }

        return Path.Combine(dir, "validate.mjs");
    }
}
