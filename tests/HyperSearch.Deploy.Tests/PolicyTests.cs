using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>The deployment policy (Support/Policies.cs) holds for the rendered overlays.</summary>
public sealed class PolicyTests
{
    public static TheoryData<string> WorkloadOverlays => new(
        "k8s/overlays/cpu", "k8s/overlays/gpu", "k8s/overlays/monitoring", "k8s/search");

    [Theory]
    [MemberData(nameof(WorkloadOverlays))]
    public void Every_container_has_cpu_and_memory_requests_and_limits(string overlay) =>
        AssertNone(Policies.Resources(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(WorkloadOverlays))]
    public void Every_pod_runs_as_non_root_with_a_read_only_root_filesystem(string overlay) =>
        AssertNone(Policies.NonRoot(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(WorkloadOverlays))]
    public void Every_image_is_pinned_to_a_tag(string overlay) =>
        AssertNone(Policies.PinnedImages(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(WorkloadOverlays))]
    public void Everything_a_pod_or_Service_refers_to_exists(string overlay) =>
        AssertNone(Policies.References(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(WorkloadOverlays))]
    public void No_cluster_wide_RBAC_and_only_the_silos_may_change_anything(string overlay) =>
        AssertNone(Policies.OtherRbac(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silos_have_healthz_liveness_and_readyz_readiness_probes(string overlay) =>
        AssertNone(Policies.SiloProbes(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silos_carry_Orleans_labels_and_downward_API_env(string overlay) =>
        AssertNone(Policies.OrleansLabelsAndEnv(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silo_RBAC_grants_exactly_what_Orleans_Kubernetes_hosting_needs(string overlay) =>
        AssertNone(Policies.SiloRbac(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silos_roll_out_with_maxUnavailable_0_and_time_to_checkpoint(string overlay) =>
        AssertNone(Policies.SiloRollout(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Each_silo_workload_has_its_own_disruption_budget(string overlay) =>
        AssertNone(Policies.DisruptionBudgets(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silos_are_annotated_for_Prometheus_and_behind_a_metrics_Service(string overlay) =>
        AssertNone(Policies.Metrics(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Silo_storage_and_Redis_settings_match_the_volumes(string overlay) =>
        AssertNone(Policies.SiloStorage(Manifests.Render(overlay)));

    [Fact]
    public void Gpu_overlay_gives_every_training_pod_a_GPU_and_the_coordinator_none() =>
        AssertNone(Policies.Gpu(Manifests.Render("k8s/overlays/gpu")));

    [Fact]
    public void Cpu_overlay_trains_on_CPU_without_GPUs() =>
        AssertNone(Policies.CpuOnly(Manifests.Render("k8s/overlays/cpu")));

    [Fact]
    public void External_secrets_are_created_in_the_deployment_docs()
    {
        var docs = Repo.ReadText("docs", "deploy.md");
        foreach (var secret in Policies.ExternalSecrets)
        {
            Assert.Contains($"create secret generic {secret}", docs, StringComparison.Ordinal);
        }
    }

    internal static void AssertNone(List<string> violations) =>
        Assert.True(violations.Count == 0, "policy violations:\n  " + string.Join("\n  ", violations));
}
