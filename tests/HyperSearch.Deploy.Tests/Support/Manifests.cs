using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace HyperSearch.Deploy.Tests.Support;

/// <summary>The output of <c>kubectl kustomize</c> for one kustomization: its text and its documents.</summary>
public sealed record Rendered(string Kustomization, string Text, IReadOnlyList<JsonObject> Docs)
{
    public IEnumerable<JsonObject> OfKind(string kind) => Docs.Where(d => d["kind"].Str() == kind);

    public JsonObject Single(string kind, string name)
    {
        var matches = OfKind(kind).Where(d => d["metadata"]?["name"].Str() == name).ToList();
        Assert.True(matches.Count == 1, $"{Kustomization}: expected one {kind} named {name}, found {matches.Count}");
        return matches[0];
    }

    /// <summary>A deep copy, for tests that break a manifest on purpose.</summary>
    public Rendered Copy() => this with { Docs = Docs.Select(d => (JsonObject)d.DeepClone()).ToList() };
}

/// <summary>A pod template inside a workload (or a bare Pod).</summary>
public sealed record PodTemplate(JsonObject Workload, JsonObject Metadata, JsonObject Spec)
{
    public string Kind => Workload["kind"].Str()!;

    public string Name => Workload["metadata"]?["name"].Str() ?? "?";

    public string Id => $"{Kind}/{Name}";

    public IReadOnlyDictionary<string, string> Labels =>
        Metadata["labels"].Entries().ToDictionary(kv => kv.Key, kv => kv.Value.Str() ?? "");

    public IReadOnlyDictionary<string, string> Annotations =>
        Metadata["annotations"].Entries().ToDictionary(kv => kv.Key, kv => kv.Value.Str() ?? "");

    public IEnumerable<JsonObject> Containers => Spec["containers"].Objects();

    public IEnumerable<JsonObject> InitContainers => Spec["initContainers"].Objects();

    public IEnumerable<JsonObject> AllContainers => InitContainers.Concat(Containers);

    /// <summary>An Orleans silo: a pod carrying the Orleans Kubernetes hosting labels, or running the silo image.</summary>
    public bool IsSilo =>
        Labels.ContainsKey("orleans/serviceId") || Containers.Any(c => (c["image"].Str() ?? "").Contains("hypersearch-silo", StringComparison.Ordinal));

    public JsonObject? Container(string name) => Containers.FirstOrDefault(c => c["name"].Str() == name);

    public JsonObject? Volume(string name) => Spec["volumes"].Objects().FirstOrDefault(v => v["name"].Str() == name);
}

public static class Manifests
{
    /// <summary>The kustomizations people deploy (docs/deploy.md), plus the base.</summary>
    public static readonly string[] Deployable =
    [
        "k8s/base",
        "k8s/overlays/cpu",
        "k8s/overlays/gpu",
        "k8s/overlays/monitoring",
        "k8s/overlays/monitoring-operator",
        "k8s/search",
    ];

    /// <summary>The overlays that run HyperSearch silos.</summary>
    public static readonly string[] SiloOverlays = ["k8s/overlays/cpu", "k8s/overlays/gpu"];

    public static TheoryData<string> DeployableData => new(Deployable);

    public static TheoryData<string> SiloOverlayData => new(SiloOverlays);

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Cache = new(StringComparer.Ordinal);

    /// <summary><c>kubectl kustomize</c> of a folder under the repository root (cached per test run).</summary>
    public static Rendered Render(string kustomization) =>
        Cache.GetOrAdd(kustomization, k => new Lazy<Rendered>(() => RenderNow(k))).Value;

    private static Rendered RenderNow(string kustomization)
    {
        var kubectl = Tool.Require("kubectl");
        var result = ChildProcess.Run(kubectl, ["kustomize", Repo.At(kustomization)]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {kustomization} failed:\n{result.Describe()}");
        var docs = Yaml.LoadAll(result.StdOut).OfType<JsonObject>().ToList();
        Assert.True(docs.Count > 0, $"kubectl kustomize {kustomization} rendered nothing");
        return new Rendered(kustomization, result.StdOut, docs);
    }

    public static IEnumerable<PodTemplate> PodTemplates(this Rendered rendered)
    {
        foreach (var doc in rendered.Docs)
        {
            var (meta, spec) = doc["kind"].Str() switch
            {
                "Pod" => (doc["metadata"], doc["spec"]),
                "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" =>
                    (doc["spec"]?["template"]?["metadata"], doc["spec"]?["template"]?["spec"]),
                "CronJob" => (doc["spec"]?["jobTemplate"]?["spec"]?["template"]?["metadata"],
                    doc["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]),
                _ => (null, null),
            };
            if (spec is JsonObject specObject)
            {
                yield return new PodTemplate(doc, meta as JsonObject ?? [], specObject);
            }
        }
    }

    public static IEnumerable<PodTemplate> Silos(this Rendered rendered) => rendered.PodTemplates().Where(p => p.IsSilo);

    /// <summary>A container's environment as the kubelet builds it: envFrom ConfigMaps (rendered in the same
    /// output), then env, later entries winning. Values from fieldRef/resourceFieldRef/secretKeyRef show
    /// as "fieldRef:PATH", "resourceFieldRef:RESOURCE", "secretKeyRef:NAME/KEY".</summary>
    public static Dictionary<string, string> EffectiveEnv(this Rendered rendered, JsonObject container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container["envFrom"].Objects())
        {
            var name = source["configMapRef"]?["name"].Str();
            if (name is null)
            {
                continue;
            }

            var configMap = rendered.OfKind("ConfigMap").FirstOrDefault(c => c["metadata"]?["name"].Str() == name);
            foreach (var (key, value) in configMap?["data"].Entries() ?? [])
            {
                env[key] = value.Str() ?? "";
            }
        }

        foreach (var variable in container["env"].Objects())
        {
            var name = variable["name"].Str()!;
            var from = variable["valueFrom"];
            env[name] = from switch
            {
                null => variable["value"].Str() ?? "",
                _ when from["fieldRef"] is { } f => $"fieldRef:{f["fieldPath"].Str()}",
                _ when from["resourceFieldRef"] is { } r => $"resourceFieldRef:{r["resource"].Str()}",
                _ when from["secretKeyRef"] is { } s => $"secretKeyRef:{s["name"].Str()}/{s["key"].Str()}",
                _ when from["configMapKeyRef"] is { } c => $"configMapKeyRef:{c["name"].Str()}/{c["key"].Str()}",
                _ => "?",
            };
        }

        return env;
    }

    public static bool Matches(IReadOnlyDictionary<string, string> labels, JsonNode? selector)
    {
        var pairs = selector.Entries().ToList();
        return pairs.Count > 0 && pairs.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value.Str());
    }
}
