using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperSearch.Deploy.Tests.Support;

/// <summary>Rules that keep a long-lived cluster and its clients consistent: the search Job's Orleans ids, Redis
/// bounds, silo spreading, coordinators independent of the dataset volume.</summary>
public static partial class Policies
{
    /// <summary>The CLI image's containers name the silos' Orleans service and cluster ids (pod labels
    /// orleans/serviceId and orleans/clusterId); a gateway refuses a client of another cluster.</summary>
    public static List<string> ClientIds(Rendered cluster, Rendered search)
    {
        var violations = new List<string>();
        var silos = NonEmpty(cluster.Silos(), cluster, "silo pods");
        var clients = search.PodTemplates()
            .SelectMany(p => p.Containers.Where(c => (c["image"].Str() ?? "").Contains("hypersearch-cli", StringComparison.Ordinal)).Select(c => (Pod: p, Container: c)))
            .ToList();
        if (clients.Count == 0)
        {
            throw new InvalidOperationException($"{search.Kustomization}: no container runs the hypersearch-cli image");
        }

        foreach (var (label, variable) in new[] { ("orleans/serviceId", "HYPERSEARCH_SERVICE_ID"), ("orleans/clusterId", "HYPERSEARCH_CLUSTER_ID") })
        {
            foreach (var silo in silos)
            {
                var expected = silo.Labels.GetValueOrDefault(label);
                foreach (var (pod, container) in clients)
                {
                    var actual = search.EffectiveEnv(container).GetValueOrDefault(variable);
                    if (actual != expected)
                    {
                        violations.Add($"{pod.Id} container {container["name"].Str()}: {variable} is '{actual ?? "unset (the CLI's default)"}' " +
                                       $"but {silo.Id} has pod label {label}: '{expected}' ({cluster.Kustomization})");
                    }
                }
            }
        }

        return violations;
    }

    /// <summary>Redis refuses writes below its container's memory limit rather than being OOM-killed, keeps an
    /// append-only file, and has a disruption budget.</summary>
    public static List<string> RedisBounds(Rendered r)
    {
        var violations = new List<string>();
        var redis = NonEmpty(r.PodTemplates().Where(p => p.Labels.GetValueOrDefault("app.kubernetes.io/name") == "hypersearch-redis"), r, "Redis pods");
        foreach (var pod in redis)
        {
            var container = pod.Containers.Single();
            var limit = Quantity(container["resources"]?["limits"]?["memory"].Str());
            var configName = pod.Spec["volumes"].Objects().Select(v => v["configMap"]?["name"].Str()).FirstOrDefault(n => n is not null && n.StartsWith("hypersearch-redis-config", StringComparison.Ordinal));
            var config = r.OfKind("ConfigMap").FirstOrDefault(c => c["metadata"]?["name"].Str() == configName)?["data"]?["redis.conf"].Str() ?? "";
            var maxMemory = RedisSetting(config, "maxmemory");
            if (maxMemory is null)
            {
                violations.Add($"{pod.Id}: redis.conf sets no maxmemory");
            }
            else if (limit is null || RedisBytes(maxMemory) >= limit * 0.8m)
            {
                violations.Add($"{pod.Id}: maxmemory {maxMemory} is not below 80% of the memory limit {container["resources"]?["limits"]?["memory"].Str()}");
            }

            if (RedisSetting(config, "appendonly") != "yes")
            {
                violations.Add($"{pod.Id}: redis.conf does not set appendonly yes");
            }

            if (!r.OfKind("PodDisruptionBudget").Any(b => Manifests.Matches(pod.Labels, b["spec"]?["selector"]?["matchLabels"])))
            {
                violations.Add($"{pod.Id}: no PodDisruptionBudget selects Redis");
            }
        }

        return violations;
    }

    /// <summary>Silos of one Deployment spread across nodes, and coordinators (which never train) start without
    /// waiting for the dataset volume.</summary>
    public static List<string> SiloPlacement(Rendered r)
    {
        var violations = new List<string>();
        foreach (var pod in NonEmpty(r.Silos(), r, "silo pods"))
        {
            var spread = pod.Spec["topologySpreadConstraints"].Objects()
                .Any(c => c["topologyKey"].Str() == "kubernetes.io/hostname" && Manifests.Matches(pod.Labels, c["labelSelector"]?["matchLabels"]));
            if (!spread)
            {
                violations.Add($"{pod.Id}: no topologySpreadConstraints over kubernetes.io/hostname selecting its own pods");
            }

            if (!TrainingEnabled(r, pod) && pod.InitContainers.Any())
            {
                violations.Add($"{pod.Id}: a coordinator-only silo waits on init containers ({string.Join(", ", pod.InitContainers.Select(c => c["name"].Str()))})");
            }
        }

        return violations;
    }

    private static string? RedisSetting(string config, string name) =>
        config.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 1)..].Trim()).LastOrDefault();

    private static decimal RedisBytes(string value)
    {
        var match = RedisSize().Match(value.ToLowerInvariant());
        if (!match.Success)
        {
            throw new FormatException($"redis size '{value}'");
        }

        var factor = match.Groups[2].Value switch
        {
            "" or "b" => 1m,
            "k" => 1000m,
            "kb" => 1024m,
            "m" => 1000m * 1000,
            "mb" => 1024m * 1024,
            "g" => 1000m * 1000 * 1000,
            "gb" => 1024m * 1024 * 1024,
            _ => throw new FormatException(value),
        };
        return decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * factor;
    }

    [GeneratedRegex(@"^(\d+)([a-z]*)$")]
    private static partial Regex RedisSize();
}
