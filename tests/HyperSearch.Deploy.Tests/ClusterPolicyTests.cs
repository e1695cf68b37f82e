using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>The search Job and the silos agree on the Orleans ids; Redis is bounded; silos spread; coordinators
/// start without the dataset volume. Each rule also fails on a copy broken in one place.</summary>
public sealed class ClusterPolicyTests
{
    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void The_search_Job_names_the_silos_service_and_cluster_ids(string overlay) =>
        PolicyTests.AssertNone(Policies.ClientIds(Manifests.Render(overlay), Manifests.Render("k8s/search")));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Redis_has_maxmemory_below_its_limit_append_only_persistence_and_a_budget(string overlay) =>
        PolicyTests.AssertNone(Policies.RedisBounds(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silos_spread_across_nodes_and_coordinators_do_not_wait_for_datasets(string overlay) =>
        PolicyTests.AssertNone(Policies.SiloPlacement(Manifests.Render(overlay)));

    [Theory]
    [InlineData("HYPERSEARCH_CLUSTER_ID", "dev", "HYPERSEARCH_CLUSTER_ID is 'dev' but Deployment/hypersearch-silo has pod label orleans/clusterId: 'hypersearch'")]
    [InlineData("HYPERSEARCH_SERVICE_ID", null, "HYPERSEARCH_SERVICE_ID is 'unset (the CLI's default)'")]
    public void A_client_of_another_cluster_is_caught(string variable, string? value, string expected)
    {
        var search = Manifests.Render("k8s/search").Copy();
        var env = (JsonArray)search.PodTemplates().Single().Containers.Single()["env"]!;
        var entry = env.Single(e => e!["name"].Str() == variable)!;
        if (value is null)
        {
            env.Remove(entry);
        }
        else
        {
            entry["value"] = value;
        }

        AssertViolation(Policies.ClientIds(Manifests.Render("k8s/overlays/cpu"), search), expected);
    }

    [Fact]
    public void A_silo_label_that_drifts_from_the_client_is_caught()
    {
        var cluster = Manifests.Render("k8s/overlays/gpu").Copy();
        cluster.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-coordinator").Metadata["labels"]!["orleans/clusterId"] = "prod";
        AssertViolation(Policies.ClientIds(cluster, Manifests.Render("k8s/search")),
            "but Deployment/hypersearch-coordinator has pod label orleans/clusterId: 'prod'");
    }

    [Fact]
    public void Redis_maxmemory_at_its_limit_is_caught() =>
        AssertViolation(Policies.RedisBounds(BreakRedisConfig(c => c.Replace("maxmemory 640mb", "maxmemory 1gb", StringComparison.Ordinal))),
            "maxmemory 1gb is not below 80% of the memory limit 1Gi");

    [Fact]
    public void Redis_without_append_only_file_is_caught() =>
        AssertViolation(Policies.RedisBounds(BreakRedisConfig(c => c.Replace("appendonly yes", "appendonly no", StringComparison.Ordinal))),
            "does not set appendonly yes");

    [Fact]
    public void Redis_without_a_budget_is_caught()
    {
        var r = Manifests.Render("k8s/overlays/cpu").Copy();
        r.Single("PodDisruptionBudget", "hypersearch-redis")["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"] = "other";
        AssertViolation(Policies.RedisBounds(r), "no PodDisruptionBudget selects Redis");
    }

    [Fact]
    public void Silos_without_spreading_are_caught()
    {
        var r = Manifests.Render("k8s/overlays/cpu").Copy();
        r.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-silo").Spec.Remove("topologySpreadConstraints");
        AssertViolation(Policies.SiloPlacement(r), "no topologySpreadConstraints");
    }

    [Fact]
    public void Coordinator_waiting_for_datasets_is_caught()
    {
        var r = Manifests.Render("k8s/overlays/gpu").Copy();
        var training = r.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-silo");
        r.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-coordinator").Spec["initContainers"] = training.Spec["initContainers"]!.DeepClone();
        AssertViolation(Policies.SiloPlacement(r), "a coordinator-only silo waits on init containers (wait-datasets)");
    }

    [Theory]
    [InlineData("HyperSearch__Training__Slots", "2", "2 slots for 1 GPUs × 1 trials per GPU")]
    [InlineData("HyperSearch__Training__TrialsPerGpu", "0", "HyperSearch__Training__TrialsPerGpu '0' is not a positive number")]
    public void Gpu_slots_that_disagree_with_the_GPU_request_are_caught(string name, string value, string expected)
    {
        var r = Manifests.Render("k8s/overlays/gpu").Copy();
        var silo = r.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-silo").Container("silo")!;
        ((JsonArray)silo["env"]!).Add(new JsonObject { ["name"] = name, ["value"] = value });
        AssertViolation(Policies.Gpu(r), expected);
    }

    private static Rendered BreakRedisConfig(Func<string, string> change)
    {
        var r = Manifests.Render("k8s/overlays/cpu").Copy();
        var config = r.OfKind("ConfigMap").Single(c => c["metadata"]!["name"].Str()!.StartsWith("hypersearch-redis-config", StringComparison.Ordinal));
        config["data"]!["redis.conf"] = change(config["data"]!["redis.conf"].Str()!);
        return r;
    }

    private static void AssertViolation(List<string> violations, string expected) =>
        Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)),
            $"expected a violation containing '{expected}', got:\n  {string.Join("\n  ", violations)}");
}
