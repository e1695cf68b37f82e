using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HyperSearch.Deploy.Tests.Support;

/// <summary>Deployment policy over rendered manifests. Each rule returns its violations (empty: the rule
/// holds) and throws when it had nothing to examine, so that no rule passes vacuously.</summary>
public static partial class Policies
{
    public const string Namespace = "hypersearch";
    public const int SiloHttpPort = 8080;
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;

    /// <summary>The verbs Orleans Kubernetes hosting needs on pods, and no more.</summary>
    public static readonly string[] OrleansPodVerbs = ["get", "watch", "list", "delete", "patch"];

    /// <summary>Secrets created by hand before the first apply (docs/deploy.md), never committed.</summary>
    public static readonly string[] ExternalSecrets = ["hypersearch-redis", "hypersearch-grafana", "hypersearch-silo-tls", "hypersearch-client-tls"];

    public static List<string> Resources(Rendered r)
    {
        var violations = new List<string>();
        var pods = NonEmpty(r.PodTemplates(), r, "pod templates");
        foreach (var pod in pods)
        {
            foreach (var c in pod.AllContainers)
            {
                var at = $"{pod.Id} container {c["name"].Str()}";
                foreach (var kind in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        if (c["resources"]?[kind]?[resource] is null)
                        {
                            violations.Add($"{at}: no resources.{kind}.{resource}");
                        }
                    }
                }

                foreach (var resource in new[] { "cpu", "memory" })
                {
                    var request = Quantity(c["resources"]?["requests"]?[resource].Str());
                    var limit = Quantity(c["resources"]?["limits"]?[resource].Str());
                    if (request is { } q && limit is { } l && q > l)
                    {
                        violations.Add($"{at}: {resource} request above its limit");
                    }
                }
            }
        }

        return violations;
    }

    public static List<string> SiloProbes(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var silo = pod.Container("silo");
            if (silo is null)
            {
                violations.Add($"{pod.Id}: no container named silo");
                continue;
            }

            foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz") })
            {
                var get = silo[probe]?["httpGet"];
                if (get is null)
                {
                    violations.Add($"{pod.Id}: no {probe} with httpGet");
                    continue;
                }

                if (get["path"].Str() != path)
                {
                    violations.Add($"{pod.Id}: {probe} path {get["path"].Str()}, expected {path}");
                }

                if (ResolvePort(silo, get["port"]) != SiloHttpPort)
                {
                    violations.Add($"{pod.Id}: {probe} port {get["port"].Str()} is not the HTTP port {SiloHttpPort}");
                }
            }

            if (silo["startupProbe"] is null)
            {
                violations.Add($"{pod.Id}: no startupProbe (slow starts would trip the liveness probe)");
            }
        }

        return violations;
    }

    public static List<string> NonRoot(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.PodTemplates(), r, "pod templates"))
        {
            var podSecurity = pod.Spec["securityContext"];
            if (podSecurity?["runAsUser"].Str() == "0")
            {
                violations.Add($"{pod.Id}: pod runAsUser 0");
            }

            if (pod.Spec["hostNetwork"].Str() == "true" || pod.Spec["hostPID"].Str() == "true" || pod.Spec["hostIPC"].Str() == "true")
            {
                violations.Add($"{pod.Id}: shares a host namespace");
            }

            foreach (var c in pod.AllContainers)
            {
                var at = $"{pod.Id} container {c["name"].Str()}";
                var sc = c["securityContext"];
                var runAsNonRoot = sc?["runAsNonRoot"].Str() ?? podSecurity?["runAsNonRoot"].Str();
                if (runAsNonRoot != "true")
                {
                    violations.Add($"{at}: runAsNonRoot is not true");
                }

                var user = sc?["runAsUser"].Str() ?? podSecurity?["runAsUser"].Str();
                if (user is null or "0")
                {
                    violations.Add($"{at}: no non-zero runAsUser (the kubelet cannot check a named image user)");
                }

                if (sc?["allowPrivilegeEscalation"].Str() != "false")
                {
                    violations.Add($"{at}: allowPrivilegeEscalation is not false");
                }

                if (sc?["privileged"].Str() == "true")
                {
                    violations.Add($"{at}: privileged");
                }

                if (sc?["readOnlyRootFilesystem"].Str() != "true")
                {
                    violations.Add($"{at}: readOnlyRootFilesystem is not true");
                }

                if (!(sc?["capabilities"]?["drop"] as JsonArray ?? []).Any(x => x.Str() == "ALL"))
                {
                    violations.Add($"{at}: capabilities.drop lacks ALL");
                }

                if ((sc?["capabilities"]?["add"] as JsonArray ?? []).Count > 0)
                {
                    violations.Add($"{at}: adds capabilities");
                }

                var seccomp = sc?["seccompProfile"]?["type"].Str() ?? podSecurity?["seccompProfile"]?["type"].Str();
                if (seccomp is not ("RuntimeDefault" or "Localhost"))
                {
                    violations.Add($"{at}: no RuntimeDefault seccomp profile");
                }
            }
        }

        return violations;
    }

    public static List<string> OrleansLabelsAndEnv(Rendered r)
    {
        var violations = new List<string>();
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ORLEANS_SERVICE_ID"] = "fieldRef:metadata.labels['orleans/serviceId']",
            ["ORLEANS_CLUSTER_ID"] = "fieldRef:metadata.labels['orleans/clusterId']",
            ["POD_NAME"] = "fieldRef:metadata.name",
            ["POD_NAMESPACE"] = "fieldRef:metadata.namespace",
            ["POD_IP"] = "fieldRef:status.podIP",
        };
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var labels = pod.Labels;
            foreach (var label in new[] { "orleans/serviceId", "orleans/clusterId" })
            {
                if (!labels.TryGetValue(label, out var value) || string.IsNullOrWhiteSpace(value))
                {
                    violations.Add($"{pod.Id}: pod label {label} missing");
                }
            }

            identities.Add($"{labels.GetValueOrDefault("orleans/serviceId")}/{labels.GetValueOrDefault("orleans/clusterId")}");
            var silo = pod.Container("silo");
            if (silo is null)
            {
                violations.Add($"{pod.Id}: no container named silo");
                continue;
            }

            var env = r.EffectiveEnv(silo);
            foreach (var (name, value) in expected)
            {
                if (env.GetValueOrDefault(name) != value)
                {
                    violations.Add($"{pod.Id}: env {name} is '{env.GetValueOrDefault(name)}', expected {value}");
                }
            }

            if (env.GetValueOrDefault("HyperSearch__Clustering") != "redis")
            {
                violations.Add($"{pod.Id}: HyperSearch__Clustering is not redis");
            }

            var ports = silo["ports"].Objects().Select(p => p["containerPort"].Str()).ToHashSet();
            foreach (var port in new[] { SiloPort, GatewayPort, SiloHttpPort })
            {
                if (!ports.Contains(port.ToString(CultureInfo.InvariantCulture)))
                {
                    violations.Add($"{pod.Id}: container port {port} not declared");
                }
            }
        }

        if (identities.Count > 1)
        {
            violations.Add($"silos of one overlay belong to different Orleans clusters: {string.Join(", ", identities)}");
        }

        return violations;
    }

    public static List<string> SiloRbac(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var account = pod.Spec["serviceAccountName"].Str();
            if (account is null or "default")
            {
                violations.Add($"{pod.Id}: runs as the default service account");
                continue;
            }

            if (pod.Spec["automountServiceAccountToken"].Str() == "false")
            {
                violations.Add($"{pod.Id}: no service account token, but Orleans Kubernetes hosting calls the API");
            }

            var sa = r.OfKind("ServiceAccount").FirstOrDefault(s => s["metadata"]?["name"].Str() == account);
            if (sa is null)
            {
                violations.Add($"{pod.Id}: service account {account} is not in the manifests");
            }
            else if (sa["automountServiceAccountToken"].Str() == "false" && pod.Spec["automountServiceAccountToken"].Str() != "true")
            {
                violations.Add($"{pod.Id}: service account {account} mounts no token");
            }

            var grants = new Dictionary<(string Group, string Resource), HashSet<string>>();
            foreach (var binding in r.Docs.Where(d => d["kind"].Str() is "RoleBinding" or "ClusterRoleBinding"))
            {
                var bound = binding["subjects"].Objects().Any(s =>
                    s["kind"].Str() == "ServiceAccount" && s["name"].Str() == account &&
                    (s["namespace"].Str() ?? binding["metadata"]?["namespace"].Str()) == pod.Workload["metadata"]?["namespace"].Str());
                if (!bound)
                {
                    continue;
                }

                var roleKind = binding["roleRef"]?["kind"].Str();
                if (binding["kind"].Str() == "ClusterRoleBinding" || roleKind == "ClusterRole")
                {
                    violations.Add($"{pod.Id}: {binding["kind"].Str()} {binding["metadata"]?["name"].Str()} grants a ClusterRole");
                    continue;
                }

                var role = r.OfKind("Role").FirstOrDefault(x => x["metadata"]?["name"].Str() == binding["roleRef"]?["name"].Str());
                if (role is null)
                {
                    violations.Add($"{pod.Id}: RoleBinding {binding["metadata"]?["name"].Str()} names a Role that is not in the manifests");
                    continue;
                }

                foreach (var rule in role["rules"].Objects())
                {
                    var groups = rule["apiGroups"] as JsonArray ?? [];
                    var resources = rule["resources"] as JsonArray ?? [];
                    var verbs = (rule["verbs"] as JsonArray ?? []).Select(v => v.Str()!).ToList();
                    if (rule["nonResourceURLs"] is not null)
                    {
                        violations.Add($"{pod.Id}: Role {role["metadata"]?["name"].Str()} grants nonResourceURLs");
                    }

                    foreach (var g in groups)
                    {
                        foreach (var res in resources)
                        {
                            var key = (g.Str() ?? "", res.Str() ?? "");
                            grants.TryAdd(key, new HashSet<string>(StringComparer.Ordinal));
                            grants[key].UnionWith(verbs);
                        }
                    }
                }
            }

            var expectedKey = ("", "pods");
            if (!grants.TryGetValue(expectedKey, out var podVerbs) || !podVerbs.SetEquals(OrleansPodVerbs))
            {
                violations.Add($"{pod.Id}: verbs on pods are [{string.Join(",", podVerbs ?? [])}], expected exactly [{string.Join(",", OrleansPodVerbs)}]");
            }

            foreach (var (key, verbs) in grants.Where(g => g.Key != expectedKey))
            {
                violations.Add($"{pod.Id}: also granted [{string.Join(",", verbs)}] on {(key.Group == "" ? "core" : key.Group)}/{key.Resource}");
            }
        }

        return violations;
    }

    /// <summary>No cluster-wide RBAC at all, and every Role other than the Orleans one only reads.</summary>
    public static List<string> OtherRbac(Rendered r)
    {
        var violations = new List<string>();
        foreach (var doc in r.Docs.Where(d => d["kind"].Str() is "ClusterRole" or "ClusterRoleBinding"))
        {
            violations.Add($"{doc["kind"].Str()} {doc["metadata"]?["name"].Str()}: cluster-wide RBAC");
        }

        var siloRoles = r.Silos().Select(p => p.Spec["serviceAccountName"].Str()).ToHashSet();
        foreach (var role in r.OfKind("Role"))
        {
            var name = role["metadata"]?["name"].Str();
            var boundToSilo = r.OfKind("RoleBinding").Any(b => b["roleRef"]?["name"].Str() == name &&
                b["subjects"].Objects().Any(s => siloRoles.Contains(s["name"].Str())));
            foreach (var rule in role["rules"].Objects())
            {
                var verbs = (rule["verbs"] as JsonArray ?? []).Select(v => v.Str()).ToList();
                var resources = (rule["resources"] as JsonArray ?? []).Select(v => v.Str()).ToList();
                if (verbs.Contains("*") || resources.Contains("*") || (rule["apiGroups"] as JsonArray ?? []).Any(g => g.Str() == "*"))
                {
                    violations.Add($"Role {name}: wildcard rule");
                }

                if (resources.Any(x => x is "secrets" or "pods/exec" or "pods/attach"))
                {
                    violations.Add($"Role {name}: grants access to {string.Join(",", resources)}");
                }

                if (!boundToSilo && verbs.Any(v => v is not ("get" or "list" or "watch")))
                {
                    violations.Add($"Role {name}: grants [{string.Join(",", verbs)}]; only the silos' Role may change anything");
                }
            }
        }

        return violations;
    }

    public static List<string> SiloRollout(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            if (pod.Kind != "Deployment")
            {
                violations.Add($"{pod.Id}: silos run as Deployments");
                continue;
            }

            var strategy = pod.Workload["spec"]?["strategy"];
            if (strategy?["type"].Str() != "RollingUpdate" || strategy["rollingUpdate"]?["maxUnavailable"].Str() is not ("0" or "0%"))
            {
                violations.Add($"{pod.Id}: rolling update must have maxUnavailable: 0");
            }

            var grace = int.Parse(pod.Spec["terminationGracePeriodSeconds"].Str() ?? "30", CultureInfo.InvariantCulture);
            var silo = pod.Container("silo");
            var shutdown = silo is null ? null : r.EffectiveEnv(silo).GetValueOrDefault("DOTNET_SHUTDOWNTIMEOUTSECONDS");
            if (!int.TryParse(shutdown, CultureInfo.InvariantCulture, out var shutdownSeconds))
            {
                violations.Add($"{pod.Id}: DOTNET_SHUTDOWNTIMEOUTSECONDS not set");
                continue;
            }

            if (shutdownSeconds < 60)
            {
                violations.Add($"{pod.Id}: DOTNET_SHUTDOWNTIMEOUTSECONDS {shutdownSeconds} leaves trials too little time to checkpoint (< 60 s)");
            }

            if (grace < shutdownSeconds + 30)
            {
                violations.Add($"{pod.Id}: terminationGracePeriodSeconds {grace} is not at least 30 s longer than DOTNET_SHUTDOWNTIMEOUTSECONDS {shutdownSeconds}");
            }
        }

        return violations;
    }

    public static List<string> DisruptionBudgets(Rendered r)
    {
        var violations = new List<string>();
        var pods = r.PodTemplates().ToList();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var budgets = r.OfKind("PodDisruptionBudget")
                .Where(b => Manifests.Matches(pod.Labels, b["spec"]?["selector"]?["matchLabels"]))
                .ToList();
            if (budgets.Count != 1)
            {
                violations.Add($"{pod.Id}: {budgets.Count} PodDisruptionBudgets select its pods, expected 1");
                continue;
            }

            var budget = budgets[0];
            var others = pods.Where(p => p != pod && Manifests.Matches(p.Labels, budget["spec"]?["selector"]?["matchLabels"])).ToList();
            if (others.Count > 0)
            {
                violations.Add($"PodDisruptionBudget {budget["metadata"]?["name"].Str()} also selects {string.Join(", ", others.Select(o => o.Id))}");
            }

            var replicas = int.Parse(pod.Workload["spec"]?["replicas"].Str() ?? "1", CultureInfo.InvariantCulture);
            var maxUnavailable = budget["spec"]?["maxUnavailable"].Str();
            var minAvailable = budget["spec"]?["minAvailable"].Str();
            var allowsDrain = maxUnavailable is not null ? maxUnavailable is not ("0" or "0%")
                : minAvailable is not null && int.TryParse(minAvailable, CultureInfo.InvariantCulture, out var min) && min < replicas;
            if (!allowsDrain)
            {
                violations.Add($"PodDisruptionBudget {budget["metadata"]?["name"].Str()} never lets a node drain");
            }
        }

        return violations;
    }

    /// <summary>Training pods of the gpu overlay get one GPU each, on GPU nodes; coordinators get none.</summary>
    public static List<string> Gpu(Rendered r)
    {
        var violations = new List<string>();
        var silos = NonEmpty(r.Silos(), r, "silo pods");
        var training = silos.Where(p => TrainingEnabled(r, p)).ToList();
        var coordinators = silos.Where(p => !TrainingEnabled(r, p)).ToList();
        if (training.Count == 0)
        {
            violations.Add("no training silo (HyperSearch__Training__Enabled=true)");
        }

        if (coordinators.Count == 0)
        {
            violations.Add("no coordinator-only silo (HyperSearch__Training__Enabled=false)");
        }

        foreach (var pod in training)
        {
            var silo = pod.Container("silo")!;
            var limit = Quantity(silo["resources"]?["limits"]?["nvidia.com/gpu"].Str());
            var request = silo["resources"]?["requests"]?["nvidia.com/gpu"].Str();
            if (limit is not >= 1)
            {
                violations.Add($"{pod.Id}: training pod without an nvidia.com/gpu limit");
            }

            if (request is not null && Quantity(request) != limit)
            {
                violations.Add($"{pod.Id}: nvidia.com/gpu request differs from its limit");
            }

            var env = r.EffectiveEnv(silo);
            if (env.GetValueOrDefault("HyperSearch__Training__Device") != "cuda")
            {
                violations.Add($"{pod.Id}: training device is not cuda");
            }

            // Slots, when set, must be the GPUs × TrialsPerGpu; unset, the silo derives exactly that from the GPUs it sees.
            var perGpu = int.TryParse(env.GetValueOrDefault("HyperSearch__Training__TrialsPerGpu") ?? "1", CultureInfo.InvariantCulture, out var p) ? p : 0;
            if (perGpu < 1)
            {
                violations.Add($"{pod.Id}: HyperSearch__Training__TrialsPerGpu '{env.GetValueOrDefault("HyperSearch__Training__TrialsPerGpu")}' is not a positive number");
            }

            if (limit is { } gpus && env.GetValueOrDefault("HyperSearch__Training__Slots") is { } slots && slots != (gpus * perGpu).ToString(CultureInfo.InvariantCulture))
            {
                violations.Add($"{pod.Id}: {slots} slots for {gpus} GPUs × {perGpu} trials per GPU");
            }

            if (!(silo["image"].Str() ?? "").Contains("-gpu", StringComparison.Ordinal))
            {
                violations.Add($"{pod.Id}: image {silo["image"].Str()} is not the CUDA image");
            }

            if (!pod.Spec["nodeSelector"].Entries().Any())
            {
                violations.Add($"{pod.Id}: no nodeSelector for GPU nodes");
            }

            if (!pod.Spec["tolerations"].Objects().Any(t => t["key"].Str() == "nvidia.com/gpu"))
            {
                violations.Add($"{pod.Id}: no toleration for the nvidia.com/gpu taint");
            }
        }

        foreach (var pod in r.PodTemplates().Except(training))
        {
            if (pod.AllContainers.Any(c => c["resources"]?["limits"]?["nvidia.com/gpu"] is not null || c["resources"]?["requests"]?["nvidia.com/gpu"] is not null))
            {
                violations.Add($"{pod.Id}: holds a GPU but does not train");
            }
        }

        return violations;
    }

    /// <summary>The cpu overlay: every silo trains on CPU, nothing asks for a GPU.</summary>
    public static List<string> CpuOnly(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var env = r.EffectiveEnv(pod.Container("silo")!);
            if (env.GetValueOrDefault("HyperSearch__Training__Enabled") != "true" || env.GetValueOrDefault("HyperSearch__Training__Device") != "cpu")
            {
                violations.Add($"{pod.Id}: does not train on cpu");
            }

            if (env.GetValueOrDefault("HyperSearch__Training__Threads") != "resourceFieldRef:limits.cpu")
            {
                violations.Add($"{pod.Id}: training threads not tied to the CPU limit");
            }
        }

        if (r.Text.Contains("nvidia.com/gpu", StringComparison.Ordinal))
        {
            violations.Add("the cpu overlay mentions nvidia.com/gpu");
        }

        return violations;
    }

    /// <summary>Silo pods are scraped: prometheus.io annotations pointing at the HTTP port, and a headless
    /// Service with a port named http for ServiceMonitors.</summary>
    public static List<string> Metrics(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var a = pod.Annotations;
            var silo = pod.Container("silo")!;
            var http = silo["ports"].Objects().FirstOrDefault(p => p["name"].Str() == "http")?["containerPort"].Str();
            if (a.GetValueOrDefault("prometheus.io/scrape") != "true")
            {
                violations.Add($"{pod.Id}: prometheus.io/scrape is not \"true\"");
            }

            if (a.GetValueOrDefault("prometheus.io/port") != http || http != SiloHttpPort.ToString(CultureInfo.InvariantCulture))
            {
                violations.Add($"{pod.Id}: prometheus.io/port '{a.GetValueOrDefault("prometheus.io/port")}' is not the http port {http}");
            }

            if (a.GetValueOrDefault("prometheus.io/path") != "/metrics")
            {
                violations.Add($"{pod.Id}: prometheus.io/path is not /metrics");
            }

            var metricsService = r.OfKind("Service").FirstOrDefault(s =>
                Manifests.Matches(pod.Labels, s["spec"]?["selector"]) &&
                s["spec"]?["ports"].Objects().Any(p => p["name"].Str() == "http" && p["targetPort"].Str() == "http") == true);
            if (metricsService is null)
            {
                violations.Add($"{pod.Id}: no Service with a port named http selects it (ServiceMonitor target)");
            }
        }

        return violations;
    }

    /// <summary>Everything a pod or Service refers to is in the same render (or is a documented secret).</summary>
    public static List<string> References(Rendered r)
    {
        var violations = new List<string>();
        bool Has(string kind, string? name) => r.OfKind(kind).Any(d => d["metadata"]?["name"].Str() == name);
        var pods = NonEmpty(r.PodTemplates(), r, "pod templates");
        foreach (var pod in pods)
        {
            var account = pod.Spec["serviceAccountName"].Str();
            if (account is null)
            {
                violations.Add($"{pod.Id}: no serviceAccountName (the default account is shared)");
            }
            else if (!Has("ServiceAccount", account))
            {
                violations.Add($"{pod.Id}: ServiceAccount {account} not in the manifests");
            }

            foreach (var volume in pod.Spec["volumes"].Objects())
            {
                if (volume["configMap"]?["name"].Str() is { } cm && !Has("ConfigMap", cm))
                {
                    violations.Add($"{pod.Id}: ConfigMap {cm} not in the manifests");
                }

                if (volume["persistentVolumeClaim"]?["claimName"].Str() is { } pvc && !Has("PersistentVolumeClaim", pvc))
                {
                    violations.Add($"{pod.Id}: PersistentVolumeClaim {pvc} not in the manifests");
                }

                if (volume["secret"]?["secretName"].Str() is { } secret && !Has("Secret", secret) && !ExternalSecrets.Contains(secret))
                {
                    violations.Add($"{pod.Id}: Secret {secret} is neither in the manifests nor a documented external secret");
                }
            }

            foreach (var c in pod.AllContainers)
            {
                foreach (var e in c["env"].Objects())
                {
                    if (e["valueFrom"]?["secretKeyRef"]?["name"].Str() is { } secret && !Has("Secret", secret) && !ExternalSecrets.Contains(secret))
                    {
                        violations.Add($"{pod.Id}: Secret {secret} is neither in the manifests nor a documented external secret");
                    }

                    if (e["valueFrom"]?["configMapKeyRef"]?["name"].Str() is { } cm && !Has("ConfigMap", cm))
                    {
                        violations.Add($"{pod.Id}: ConfigMap {cm} not in the manifests");
                    }
                }

                foreach (var source in c["envFrom"].Objects())
                {
                    if (source["configMapRef"]?["name"].Str() is { } cm && !Has("ConfigMap", cm))
                    {
                        violations.Add($"{pod.Id}: ConfigMap {cm} not in the manifests");
                    }
                }
            }
        }

        foreach (var service in r.OfKind("Service"))
        {
            var name = service["metadata"]?["name"].Str();
            var selected = pods.Where(p => Manifests.Matches(p.Labels, service["spec"]?["selector"])).ToList();
            if (selected.Count == 0)
            {
                violations.Add($"Service {name}: its selector matches no pod template");
                continue;
            }

            foreach (var port in service["spec"]?["ports"].Objects() ?? [])
            {
                var target = port["targetPort"];
                foreach (var pod in selected)
                {
                    if (!pod.Containers.Any(c => ResolvePort(c, target ?? port["port"]) is not null))
                    {
                        violations.Add($"Service {name}: targetPort {target.Str()} is not a port of {pod.Id}");
                    }
                }
            }
        }

        foreach (var workload in r.Docs.Where(d => d["spec"]?["selector"]?["matchLabels"] is not null && d["spec"]?["template"] is not null))
        {
            var labels = workload["spec"]?["template"]?["metadata"]?["labels"].Entries().ToDictionary(kv => kv.Key, kv => kv.Value.Str() ?? "") ?? [];
            if (!Manifests.Matches(labels, workload["spec"]?["selector"]?["matchLabels"]))
            {
                violations.Add($"{workload["kind"].Str()}/{workload["metadata"]?["name"].Str()}: selector does not match its own pod template");
            }
        }

        return violations;
    }

    /// <summary>Every image names a tag (no implicit or explicit latest).</summary>
    public static List<string> PinnedImages(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.PodTemplates(), r, "pod templates"))
        {
            foreach (var c in pod.AllContainers)
            {
                var image = c["image"].Str() ?? "";
                var lastSegment = image[(image.LastIndexOf('/') + 1)..];
                var hasDigest = image.Contains('@', StringComparison.Ordinal);
                var tag = lastSegment.Contains(':', StringComparison.Ordinal) ? lastSegment[(lastSegment.IndexOf(':', StringComparison.Ordinal) + 1)..] : null;
                if (!hasDigest && (tag is null or "latest"))
                {
                    violations.Add($"{pod.Id} container {c["name"].Str()}: image '{image}' has no pinned tag");
                }
            }
        }

        return violations;
    }

    public static List<string> Namespaced(Rendered r)
    {
        var clusterScoped = new HashSet<string>(StringComparer.Ordinal) { "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "CustomResourceDefinition", "PriorityClass" };
        return r.Docs
            .Where(d => !clusterScoped.Contains(d["kind"].Str()!) && d["metadata"]?["namespace"].Str() != Namespace)
            .Select(d => $"{d["kind"].Str()}/{d["metadata"]?["name"].Str()}: namespace '{d["metadata"]?["namespace"].Str()}', expected {Namespace}")
            .ToList();
    }

    /// <summary>Silo storage and configuration agree with the volumes: checkpoints on the checkpoint claim,
    /// datasets read-only, the Redis password file on a mounted secret, Redis reachable by Service name.</summary>
    public static List<string> SiloStorage(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var silo = pod.Container("silo")!;
            var env = r.EffectiveEnv(silo);
            var mounts = silo["volumeMounts"].Objects().ToList();

            JsonObject? MountFor(string? path) => path is null ? null : mounts
                .Where(m => path == m["mountPath"].Str() || path.StartsWith(m["mountPath"].Str()!.TrimEnd('/') + "/", StringComparison.Ordinal))
                .OrderByDescending(m => m["mountPath"].Str()!.Length)
                .FirstOrDefault();

            string? ClaimOf(JsonObject? mount) => mount is null ? null : pod.Volume(mount["name"].Str()!)?["persistentVolumeClaim"]?["claimName"].Str();

            var checkpoints = MountFor(env.GetValueOrDefault("HyperSearch__CheckpointDirectory"));
            if (ClaimOf(checkpoints) != "hypersearch-checkpoints" || checkpoints?["readOnly"].Str() == "true")
            {
                violations.Add($"{pod.Id}: HyperSearch__CheckpointDirectory is not on a writable mount of the hypersearch-checkpoints claim");
            }

            var data = MountFor(env.GetValueOrDefault("HyperSearch__DataDirectory"));
            if (ClaimOf(data) != "hypersearch-datasets" || data?["readOnly"].Str() != "true")
            {
                violations.Add($"{pod.Id}: HyperSearch__DataDirectory is not a read-only mount of the hypersearch-datasets claim");
            }

            if (pod.Volume(data?["name"].Str() ?? "")?["persistentVolumeClaim"]?["readOnly"].Str() != "true")
            {
                violations.Add($"{pod.Id}: the datasets claim is not attached read-only");
            }

            var passwordFile = env.GetValueOrDefault("HyperSearch__Redis__PasswordFile");
            var secretMount = MountFor(passwordFile);
            var secretVolume = secretMount is null ? null : pod.Volume(secretMount["name"].Str()!)?["secret"];
            var fileName = passwordFile is null || secretMount is null ? null : passwordFile[(secretMount["mountPath"].Str()!.TrimEnd('/').Length + 1)..];
            var items = secretVolume?["items"].Objects().ToList();
            var provided = items is { Count: > 0 } ? items.Any(i => i["path"].Str() == fileName && i["key"].Str() == "password") : fileName == "password";
            if (secretVolume?["secretName"].Str() != "hypersearch-redis" || !provided)
            {
                violations.Add($"{pod.Id}: HyperSearch__Redis__PasswordFile {passwordFile} is not the 'password' key of the hypersearch-redis Secret");
            }

            var connection = env.GetValueOrDefault("HyperSearch__Redis__ConnectionString") ?? "";
            var hostPort = connection.Split(',')[0].Split(':');
            var redisService = r.OfKind("Service").FirstOrDefault(s => s["metadata"]?["name"].Str() == hostPort[0]);
            if (hostPort.Length != 2 || redisService is null || !redisService["spec"]!["ports"].Objects().Any(p => p["port"].Str() == hostPort[1]))
            {
                violations.Add($"{pod.Id}: HyperSearch__Redis__ConnectionString '{connection}' is not a Redis Service of these manifests");
            }

            if (connection.Contains("password", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add($"{pod.Id}: the Redis password is in the connection string");
            }
        }

        return violations;
    }

    public static bool TrainingEnabled(Rendered r, PodTemplate pod) =>
        pod.Container("silo") is { } silo && r.EffectiveEnv(silo).GetValueOrDefault("HyperSearch__Training__Enabled") == "true";

    /// <summary>The container port a probe or Service port refers to (by name or number), or null.</summary>
    public static int? ResolvePort(JsonObject container, JsonNode? port)
    {
        var text = port.Str();
        if (text is null)
        {
            return null;
        }

        var ports = container["ports"].Objects().ToList();
        if (int.TryParse(text, CultureInfo.InvariantCulture, out var number))
        {
            return ports.Any(p => p["containerPort"].Str() == text) ? number : null;
        }

        var named = ports.FirstOrDefault(p => p["name"].Str() == text)?["containerPort"].Str();
        return named is null ? null : int.Parse(named, CultureInfo.InvariantCulture);
    }

    /// <summary>A Kubernetes quantity in base units (cores, bytes, count), or null.</summary>
    public static decimal? Quantity(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var m = QuantityPattern().Match(text);
        if (!m.Success)
        {
            return null;
        }

        var value = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "" => value,
            "m" => value / 1000,
            "k" => value * 1000,
            "M" => value * 1_000_000,
            "G" => value * 1_000_000_000,
            "Ki" => value * 1024,
            "Mi" => value * 1024 * 1024,
            "Gi" => value * 1024 * 1024 * 1024,
            "Ti" => value * 1024m * 1024 * 1024 * 1024,
            _ => null,
        };
    }

    private static List<T> NonEmpty<T>(IEnumerable<T> items, Rendered r, string what)
    {
        var list = items.ToList();
        Assert.True(list.Count > 0, $"{r.Kustomization}: no {what} to check");
        return list;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?$")]
    private static partial Regex QuantityPattern();
}
