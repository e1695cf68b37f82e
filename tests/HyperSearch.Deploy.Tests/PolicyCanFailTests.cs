using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>Each policy rule catches the defect it exists for: a copy of a real render, broken in one
/// place, must produce a violation that names it.</summary>
public sealed class PolicyCanFailTests
{
    private static Rendered Broken(string overlay, Action<Rendered> breakIt)
    {
        var copy = Manifests.Render(overlay).Copy();
        breakIt(copy);
        return copy;
    }

    private static JsonObject Silo(Rendered r, string deployment = "hypersearch-silo") =>
        r.PodTemplates().Single(p => p.Id == $"Deployment/{deployment}").Container("silo")!;

    private static PodTemplate SiloPod(Rendered r, string deployment = "hypersearch-silo") =>
        r.PodTemplates().Single(p => p.Id == $"Deployment/{deployment}");

    private static void AssertViolation(List<string> violations, string expected) =>
        Assert.True(violations.Any(v => v.Contains(expected, StringComparison.Ordinal)),
            $"expected a violation containing '{expected}', got:\n  {string.Join("\n  ", violations)}");

    [Fact]
    public void Missing_limits_are_caught() =>
        AssertViolation(Policies.Resources(Broken("k8s/overlays/cpu", r => Silo(r)["resources"]!.AsObject().Remove("limits"))),
            "no resources.limits.memory");

    [Fact]
    public void Missing_readiness_probe_is_caught() =>
        AssertViolation(Policies.SiloProbes(Broken("k8s/overlays/cpu", r => Silo(r).Remove("readinessProbe"))),
            "no readinessProbe");

    [Fact]
    public void Liveness_probe_on_the_wrong_path_is_caught() =>
        AssertViolation(Policies.SiloProbes(Broken("k8s/overlays/cpu", r => Silo(r)["livenessProbe"]!["httpGet"]!["path"] = "/")),
            "livenessProbe path /");

    [Fact]
    public void Root_user_is_caught() =>
        AssertViolation(Policies.NonRoot(Broken("k8s/overlays/cpu", r => SiloPod(r).Spec["securityContext"]!["runAsUser"] = 0)),
            "pod runAsUser 0");

    [Fact]
    public void Writable_root_filesystem_is_caught() =>
        AssertViolation(Policies.NonRoot(Broken("k8s/overlays/monitoring", r =>
                r.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-grafana").Containers.Single()["securityContext"]!["readOnlyRootFilesystem"] = false)),
            "readOnlyRootFilesystem is not true");

    [Fact]
    public void Training_pod_without_a_GPU_is_caught() =>
        AssertViolation(Policies.Gpu(Broken("k8s/overlays/gpu", r => Silo(r)["resources"]!["limits"]!.AsObject().Remove("nvidia.com/gpu"))),
            "training pod without an nvidia.com/gpu limit");

    [Fact]
    public void Coordinator_holding_a_GPU_is_caught() =>
        AssertViolation(Policies.Gpu(Broken("k8s/overlays/gpu", r => Silo(r, "hypersearch-coordinator")["resources"]!["limits"]!["nvidia.com/gpu"] = 1)),
            "holds a GPU but does not train");

    [Fact]
    public void Missing_pod_ip_env_is_caught() =>
        AssertViolation(Policies.OrleansLabelsAndEnv(Broken("k8s/overlays/cpu", r =>
            {
                var env = (JsonArray)Silo(r)["env"]!;
                env.Remove(env.Single(e => e!["name"].Str() == "POD_IP"));
            })),
            "env POD_IP");

    [Fact]
    public void Missing_orleans_label_is_caught() =>
        AssertViolation(Policies.OrleansLabelsAndEnv(Broken("k8s/overlays/gpu", r =>
                SiloPod(r, "hypersearch-coordinator").Metadata["labels"]!.AsObject().Remove("orleans/clusterId"))),
            "pod label orleans/clusterId missing");

    [Fact]
    public void Extra_RBAC_verb_is_caught() =>
        AssertViolation(Policies.SiloRbac(Broken("k8s/overlays/cpu", r =>
                ((JsonArray)r.Single("Role", "hypersearch-silo")["rules"]![0]!["verbs"]!).Add("create"))),
            "expected exactly [get,watch,list,delete,patch]");

    [Fact]
    public void Extra_RBAC_resource_is_caught() =>
        AssertViolation(Policies.SiloRbac(Broken("k8s/overlays/cpu", r =>
                ((JsonArray)r.Single("Role", "hypersearch-silo")["rules"]!).Add(JsonNode.Parse("""{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}""")))),
            "also granted [get] on core/configmaps");

    [Fact]
    public void Missing_RBAC_verb_is_caught() =>
        AssertViolation(Policies.SiloRbac(Broken("k8s/overlays/cpu", r =>
            {
                var verbs = (JsonArray)r.Single("Role", "hypersearch-silo")["rules"]![0]!["verbs"]!;
                verbs.Remove(verbs.Single(v => v.Str() == "patch"));
            })),
            "expected exactly");

    [Fact]
    public void Rolling_update_that_takes_silos_away_is_caught() =>
        AssertViolation(Policies.SiloRollout(Broken("k8s/overlays/cpu", r =>
                SiloPod(r).Workload["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"] = 1)),
            "maxUnavailable: 0");

    [Fact]
    public void Grace_period_shorter_than_the_shutdown_timeout_is_caught() =>
        AssertViolation(Policies.SiloRollout(Broken("k8s/overlays/gpu", r => SiloPod(r).Spec["terminationGracePeriodSeconds"] = 100)),
            "terminationGracePeriodSeconds 100");

    [Fact]
    public void Silo_without_a_disruption_budget_is_caught() =>
        AssertViolation(Policies.DisruptionBudgets(Broken("k8s/overlays/gpu", r =>
                r.Single("PodDisruptionBudget", "hypersearch-coordinator")["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/component"] = "nothing")),
            "0 PodDisruptionBudgets select its pods");

    [Fact]
    public void Writable_datasets_are_caught() =>
        AssertViolation(Policies.SiloStorage(Broken("k8s/overlays/cpu", r =>
                Silo(r)["volumeMounts"]!.AsArray().Single(m => m!["name"].Str() == "datasets")!.AsObject().Remove("readOnly"))),
            "HyperSearch__DataDirectory is not a read-only mount");

    [Fact]
    public void Unpinned_image_is_caught() =>
        AssertViolation(Policies.PinnedImages(Broken("k8s/search", r =>
                r.PodTemplates().Single().Containers.Single()["image"] = "hypersearch-cli")),
            "has no pinned tag");

    [Fact]
    public void Service_selecting_nothing_is_caught() =>
        AssertViolation(Policies.References(Broken("k8s/overlays/cpu", r =>
                r.Single("Service", "hypersearch-gateway")["spec"]!["selector"]!["app.kubernetes.io/name"] = "typo")),
            "Service hypersearch-gateway: its selector matches no pod template");

    [Fact]
    public void Undocumented_secret_is_caught() =>
        AssertViolation(Policies.References(Broken("k8s/overlays/cpu", r =>
                SiloPod(r).Volume("redis-password")!["secret"]!["secretName"] = "forgotten")),
            "Secret forgotten is neither in the manifests nor a documented external secret");

    [Fact]
    public void Missing_prometheus_annotation_is_caught() =>
        AssertViolation(Policies.Metrics(Broken("k8s/overlays/cpu", r =>
                SiloPod(r).Metadata["annotations"]!["prometheus.io/port"] = "9090")),
            "prometheus.io/port '9090'");
}
