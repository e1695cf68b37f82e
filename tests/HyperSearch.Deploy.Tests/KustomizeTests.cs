using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>`kubectl kustomize` renders every kustomization, and each deployable one holds what it should.</summary>
public sealed class KustomizeTests
{
    [Fact]
    public void Every_kustomization_under_k8s_renders()
    {
        var kubectl = Tool.Require("kubectl");
        var dirs = Directory.EnumerateFiles(Repo.K8s, "kustomization.yaml", SearchOption.AllDirectories)
            .Where(f => !f.Contains("node_modules", StringComparison.Ordinal))
            .Where(f => !Repo.Relative(f).StartsWith("k8s/local/", StringComparison.Ordinal)) // per-site, not in git
            .Select(Path.GetDirectoryName)
            .ToList();
        Assert.True(dirs.Count >= Manifests.Deployable.Length, $"found only {dirs.Count} kustomizations under k8s/");
        var failures = new List<string>();
        foreach (var dir in dirs)
        {
            var result = ChildProcess.Run(kubectl, ["kustomize", dir!], workingDirectory: Repo.Root);
            if (result.ExitCode != 0 || result.StdOut.Trim().Length == 0)
            {
                failures.Add($"{Repo.Relative(dir!)}:\n{result.Describe()}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Theory]
    [MemberData(nameof(Manifests.DeployableData), MemberType = typeof(Manifests))]
    public void Deployable_kustomization_renders_objects_in_the_hypersearch_namespace(string kustomization)
    {
        var rendered = Manifests.Render(kustomization);
        var violations = Policies.Namespaced(rendered);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Theory]
    [InlineData("k8s/overlays/cpu", new[] { "Namespace/hypersearch", "ServiceAccount/hypersearch-silo", "Role/hypersearch-silo", "RoleBinding/hypersearch-silo", "Deployment/hypersearch-silo", "StatefulSet/hypersearch-redis", "Service/hypersearch-redis", "Service/hypersearch-gateway", "Service/hypersearch-silo", "PersistentVolumeClaim/hypersearch-checkpoints", "PersistentVolumeClaim/hypersearch-datasets", "Job/hypersearch-datasets", "PodDisruptionBudget/hypersearch-silo" })]
    [InlineData("k8s/overlays/gpu", new[] { "Namespace/hypersearch", "Deployment/hypersearch-silo", "Deployment/hypersearch-coordinator", "PodDisruptionBudget/hypersearch-silo", "PodDisruptionBudget/hypersearch-coordinator", "StatefulSet/hypersearch-redis", "Service/hypersearch-gateway", "Job/hypersearch-datasets" })]
    [InlineData("k8s/overlays/monitoring", new[] { "Deployment/hypersearch-prometheus", "Deployment/hypersearch-grafana", "Service/hypersearch-prometheus", "Service/hypersearch-grafana", "ConfigMap/hypersearch-grafana-dashboards", "Role/hypersearch-prometheus" })]
    [InlineData("k8s/overlays/monitoring-operator", new[] { "ServiceMonitor/hypersearch-silo", "PrometheusRule/hypersearch", "ConfigMap/hypersearch-grafana-dashboards" })]
    [InlineData("k8s/search", new[] { "Job/hypersearch-search", "ServiceAccount/hypersearch-cli" })]
    public void Overlay_contains_its_pieces(string kustomization, string[] expected)
    {
        var rendered = Manifests.Render(kustomization);
        var present = rendered.Docs.Select(d => $"{d["kind"].Str()}/{d["metadata"]?["name"].Str()}").ToHashSet();
        var missing = expected.Where(e => !present.Contains(e)).ToList();
        Assert.True(missing.Count == 0, $"{kustomization} lacks {string.Join(", ", missing)}; it has {string.Join(", ", present.Order())}");
    }

    [Fact]
    public void Base_checkpoint_and_dataset_claims_are_ReadWriteMany()
    {
        var rendered = Manifests.Render("k8s/base");
        foreach (var claim in new[] { "hypersearch-checkpoints", "hypersearch-datasets" })
        {
            var modes = (rendered.Single("PersistentVolumeClaim", claim)["spec"]?["accessModes"] as JsonArray ?? []).Select(m => m.Str());
            Assert.Equal(["ReadWriteMany"], modes);
        }

        // Redis keeps its own ReadWriteOnce claim through the StatefulSet.
        var redis = rendered.Single("StatefulSet", "hypersearch-redis");
        Assert.Single(redis["spec"]?["volumeClaimTemplates"].Objects() ?? []);
    }

    [Fact]
    public void Gpu_overlay_sends_clients_to_the_coordinators()
    {
        var rendered = Manifests.Render("k8s/overlays/gpu");
        var gateway = rendered.Single("Service", "hypersearch-gateway");
        var selected = rendered.Silos().Where(p => Manifests.Matches(p.Labels, gateway["spec"]?["selector"])).Select(p => p.Id).ToList();
        Assert.Equal(["Deployment/hypersearch-coordinator"], selected);
    }

    [Fact]
    public void The_dataset_job_and_the_silos_agree_on_which_datasets()
    {
        foreach (var overlay in Manifests.SiloOverlays)
        {
            var rendered = Manifests.Render(overlay);
            var job = rendered.PodTemplates().Single(p => p.Id == "Job/hypersearch-datasets");
            var wanted = rendered.EffectiveEnv(job.Containers.Single())["DATASETS"];
            // Only training silos read the datasets; coordinators start without waiting for them.
            foreach (var silo in rendered.Silos().Where(s => Policies.TrainingEnabled(rendered, s)))
            {
                var wait = silo.InitContainers.SingleOrDefault(c => c["name"].Str() == "wait-datasets");
                Assert.True(wait is not null, $"{overlay} {silo.Id}: no wait-datasets init container");
                Assert.Equal(wanted, rendered.EffectiveEnv(wait!)["DATASETS"]);
            }
        }
    }

    [Fact]
    public void A_site_overlay_as_in_the_docs_retags_every_hypersearch_image()
    {
        // docs/deploy.md has users write a small overlay that points the images at their registry.
        var kubectl = Tool.Require("kubectl");
        var dir = Directory.CreateTempSubdirectory("hypersearch-site-");
        try
        {
            var relative = Path.GetRelativePath(dir.FullName, Repo.At("k8s", "overlays", "gpu")).Replace('\\', '/');
            File.WriteAllText(Path.Combine(dir.FullName, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - {relative}
                images:
                  - name: hypersearch-silo
                    newName: registry.example.com/hypersearch/hypersearch-silo
                    newTag: "1.2.3"
                  - name: hypersearch-silo-gpu
                    newName: registry.example.com/hypersearch/hypersearch-silo-gpu
                    newTag: "1.2.3"
                """);
            var result = ChildProcess.Run(kubectl, ["kustomize", dir.FullName], workingDirectory: Repo.Root);
            Assert.True(result.ExitCode == 0, result.Describe());
            var images = Yaml.LoadAll(result.StdOut).OfType<JsonObject>()
                .SelectMany(d => d["spec"]?["template"]?["spec"]?["containers"].Objects() ?? [])
                .Select(c => c["image"].Str()!)
                .Where(i => i.Contains("hypersearch", StringComparison.Ordinal))
                .ToList();
            Assert.NotEmpty(images);
            Assert.All(images, i => Assert.StartsWith("registry.example.com/hypersearch/", i, StringComparison.Ordinal));
            Assert.All(images, i => Assert.EndsWith(":1.2.3", i, StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
