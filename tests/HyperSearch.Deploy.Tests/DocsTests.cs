using System.Text.RegularExpressions;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>docs/deploy.md: its commands name kustomizations and objects that exist, and its site-overlay
/// recipe, run as written, renders with the user's images.</summary>
public sealed partial class DocsTests
{
    private static readonly string Docs = Repo.ReadText("docs", "deploy.md");

    [Fact]
    public void Every_kustomization_the_docs_apply_exists()
    {
        var paths = ApplyPaths().Matches(Docs).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("k8s/overlays/monitoring", paths);
        Assert.Contains("k8s/overlays/monitoring-operator", paths);
        foreach (var path in paths.Where(p => !p.StartsWith("k8s/local/", StringComparison.Ordinal)))
        {
            Assert.True(File.Exists(Repo.At(path, "kustomization.yaml")), $"docs apply -k {path}, which is not a kustomization");
        }
    }

    [Fact]
    public void Every_object_the_docs_name_exists_in_the_manifests()
    {
        var objects = Manifests.Deployable.Select(Manifests.Render).SelectMany(r => r.Docs)
            .Select(d => $"{d["kind"].Str()!.ToLowerInvariant()}/{d["metadata"]?["name"].Str()}")
            .ToHashSet(StringComparer.Ordinal);
        var named = ObjectRefs().Matches(Docs).Select(m => $"{m.Groups[1].Value}/{m.Groups[2].Value}").Distinct().ToList();
        Assert.True(named.Count >= 8, $"only {named.Count} object references found in docs/deploy.md");
        var missing = named.Where(n => !objects.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"docs/deploy.md names objects the manifests lack: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Site_overlay_recipe_renders_with_the_users_images()
    {
        var bash = Tool.Require("bash");
        var kubectl = Tool.Require("kubectl");
        var block = Regex.Match(Docs, @"## 2\. Point the manifests.*?```sh\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "no shell block under '## 2. Point the manifests' in docs/deploy.md");

        // A scratch tree whose k8s/ links to the real folders, so the recipe's k8s/local/ lands there.
        var dir = Directory.CreateTempSubdirectory("hypersearch-docs-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "k8s"));
            foreach (var sub in new[] { "base", "overlays", "monitoring", "search" })
            {
                Directory.CreateSymbolicLink(Path.Combine(dir.FullName, "k8s", sub), Repo.At("k8s", sub));
            }

            var result = ChildProcess.Run(bash, ["-euo", "pipefail", "-c", block.Groups[1].Value], workingDirectory: dir.FullName,
                environment: new Dictionary<string, string?> { ["REGISTRY"] = "registry.example.com/hs", ["TAG"] = "9.9.9" });
            Assert.True(result.ExitCode == 0, result.Describe());

            foreach (var (site, image) in new[] { ("cluster", "hypersearch-silo"), ("search", "hypersearch-cli") })
            {
                var rendered = ChildProcess.Run(kubectl, ["kustomize", Path.Combine(dir.FullName, "k8s", "local", site)], workingDirectory: Repo.Root);
                Assert.True(rendered.ExitCode == 0, rendered.Describe());
                Assert.Contains($"image: registry.example.com/hs/{image}:9.9.9", rendered.StdOut, StringComparison.Ordinal);
                Assert.DoesNotContain($"image: {image}:", rendered.StdOut, StringComparison.Ordinal);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Docs_show_the_port_forward_and_the_in_cluster_search()
    {
        Assert.Contains("scripts/port-forward.sh", Docs, StringComparison.Ordinal);
        Assert.Contains("kubectl -n hypersearch port-forward service/hypersearch-gateway 30000:30000", Docs, StringComparison.Ordinal);
        Assert.Contains("hypersearch search start /spec/search.yaml --wait", Docs, StringComparison.Ordinal);
        var job = Manifests.Render("k8s/search").PodTemplates().Single();
        var args = string.Join(' ', job.Containers.Single()["args"]!.AsArray().Select(a => a.Str()));
        Assert.Equal("search start /spec/search.yaml --wait", args);
        var specMount = job.Containers.Single()["volumeMounts"].Objects().Single(m => m["mountPath"].Str() == "/spec");
        var configMap = job.Volume(specMount["name"].Str()!)!["configMap"]!["name"].Str()!;
        Assert.StartsWith("hypersearch-search-spec", configMap, StringComparison.Ordinal);
        Assert.NotNull(Manifests.Render("k8s/search").Single("ConfigMap", configMap)["data"]!["search.yaml"]);
    }

    [GeneratedRegex(@"kubectl (?:apply|delete) -k ([\w./-]+)")]
    private static partial Regex ApplyPaths();

    [GeneratedRegex(@"\b(deployment|statefulset|job|service)/(hypersearch-[a-z-]+)\b")]
    private static partial Regex ObjectRefs();
}
