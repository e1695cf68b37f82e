using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>docs/security.md in the rendered overlays: default-deny NetworkPolicies that still let HyperSearch's own
/// traffic through, the TLS Secret mounted into every silo and the CLI Job, and no API token for the CLI.</summary>
public sealed class SecurityPolicyTests
{
    private static readonly Dictionary<string, string> Silo = Pod("hypersearch-silo");
    private static readonly Dictionary<string, string> Redis = Pod("hypersearch-redis");
    private static readonly Dictionary<string, string> Cli = Pod("hypersearch-cli");
    private static readonly Dictionary<string, string> Prometheus = Pod("hypersearch-prometheus");
    private static readonly Dictionary<string, string> Datasets = Pod("hypersearch-datasets");

    /// <summary>Somewhere outside the namespace (the internet, the API server).</summary>
    private static readonly Dictionary<string, string>? Outside = null;

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Network_policies_deny_by_default_and_allow_only_hypersearch_traffic(string overlay) =>
        Assert.Empty(NetworkViolations(Manifests.Render(overlay)));

    [Theory]
    [MemberData(nameof(Manifests.SiloOverlayData), MemberType = typeof(Manifests))]
    public void Every_silo_mounts_the_silo_tls_secret_and_is_configured_with_it(string overlay) =>
        Assert.Empty(TlsViolations(Manifests.Render(overlay)));

    [Fact]
    public void The_cli_job_mounts_no_token_and_the_client_certificate()
    {
        var job = Manifests.Render("k8s/search").PodTemplates().Single(p => p.Kind == "Job");
        Assert.Equal("false", job.Spec["automountServiceAccountToken"].Str());
        var env = Manifests.Render("k8s/search").EffectiveEnv(job.Containers.Single());
        AssertFromSecret(job, job.Containers.Single(), env["HYPERSEARCH_TLS_CERT"], "hypersearch-client-tls");
        AssertFromSecret(job, job.Containers.Single(), env["HYPERSEARCH_TLS_KEY"], "hypersearch-client-tls");
        AssertFromSecret(job, job.Containers.Single(), env["HYPERSEARCH_TLS_CA"], "hypersearch-client-tls");
    }

    [Fact]
    public void A_missing_default_deny_or_an_open_redis_is_caught()
    {
        var cpu = Manifests.Render("k8s/overlays/cpu").Copy();
        var noDeny = cpu with { Docs = cpu.Docs.Where(d => d != cpu.Single("NetworkPolicy", "default-deny")).ToList() };
        Assert.Contains(NetworkViolations(noDeny), v => v.Contains("default deny"));

        var openRedis = Manifests.Render("k8s/overlays/cpu").Copy();
        openRedis.Single("NetworkPolicy", "hypersearch-redis")["spec"]!["ingress"]![0]!.AsObject().Remove("from");
        Assert.Contains(NetworkViolations(openRedis), v => v.Contains("ingress hypersearch-cli -> hypersearch-redis:6379 allowed"));
    }

    [Fact]
    public void A_silo_without_the_tls_settings_is_caught()
    {
        var broken = Manifests.Render("k8s/overlays/gpu").Copy();
        var coordinator = broken.PodTemplates().Single(p => p.Name == "hypersearch-coordinator").Container("silo")!;
        var env = (JsonArray)coordinator["env"]!;
        env.Remove(env.Objects().Single(e => e["name"].Str() == "HyperSearch__Tls__CaFile"));
        Assert.Contains(TlsViolations(broken), v => v.Contains("hypersearch-coordinator") && v.Contains("HyperSearch__Tls__CaFile"));
    }

    private static List<string> NetworkViolations(Rendered r)
    {
        var violations = new List<string>();
        var policies = r.OfKind("NetworkPolicy").ToList();
        if (!policies.Any(p => p["spec"]?["podSelector"].Entries().Any() == false && Types(p).SetEquals(["Ingress", "Egress"])
                && p["spec"]?["ingress"] is null && p["spec"]?["egress"] is null))
        {
            violations.Add("no default deny (a policy selecting every pod with no ingress or egress rule)");
        }

        void Expect(Dictionary<string, string>? from, Dictionary<string, string>? to, int port, bool allowed, string protocol = "TCP")
        {
            if (Allows(policies, from, to, port, protocol) != allowed)
            {
                violations.Add($"{Name(from)} -> {Name(to)}:{port} {(allowed ? "denied" : "allowed")}");
            }
        }

        Expect(Silo, Silo, Policies.SiloPort, true);
        Expect(Cli, Silo, Policies.GatewayPort, true);
        Expect(Prometheus, Silo, Policies.SiloHttpPort, true);
        Expect(Silo, Redis, 6379, true);
        Expect(Silo, Outside, 443, true);
        Expect(Datasets, Outside, 443, true);
        Expect(Silo, Outside, 53, true, "UDP");
        Expect(Cli, Redis, 6379, false);
        Expect(Datasets, Redis, 6379, false);
        Expect(Cli, Silo, Policies.SiloPort, false);
        Expect(Datasets, Silo, Policies.GatewayPort, false);
        Expect(Redis, Silo, Policies.GatewayPort, false);
        Expect(Cli, Outside, 443, false);
        Expect(Redis, Outside, 443, false);

        // Each destination's own ingress rules, whatever the sources' egress rules say.
        void ExpectIngress(Dictionary<string, string> from, Dictionary<string, string> to, int port)
        {
            if (Direction(policies, to, "Ingress", "ingress", "from", from, port, "TCP"))
            {
                violations.Add($"ingress {Name(from)} -> {Name(to)}:{port} allowed");
            }
        }

        ExpectIngress(Cli, Redis, 6379);
        ExpectIngress(Datasets, Redis, 6379);
        ExpectIngress(Cli, Silo, Policies.SiloPort);
        ExpectIngress(Datasets, Silo, Policies.GatewayPort);
        return violations;
    }

    private static List<string> TlsViolations(Rendered r)
    {
        var violations = new List<string>();
        var silos = r.Silos().ToList();
        Assert.NotEmpty(silos);
        foreach (var pod in silos)
        {
            var container = pod.Container("silo")!;
            var env = r.EffectiveEnv(container);
            foreach (var setting in new[] { "HyperSearch__Tls__CertificateFile", "HyperSearch__Tls__KeyFile", "HyperSearch__Tls__CaFile" })
            {
                if (!env.TryGetValue(setting, out var path) || SecretOf(pod, container, path) != "hypersearch-silo-tls")
                {
                    violations.Add($"{pod.Id}: {setting} is not a file of the mounted Secret hypersearch-silo-tls");
                }
            }
        }

        return violations;
    }

    private static void AssertFromSecret(PodTemplate pod, JsonObject container, string path, string secret) =>
        Assert.Equal(secret, SecretOf(pod, container, path));

    /// <summary>The Secret whose volume is mounted where <paramref name="path"/> lies, if that volume holds its file.</summary>
    private static string? SecretOf(PodTemplate pod, JsonObject container, string path)
    {
        foreach (var mount in container["volumeMounts"].Objects())
        {
            var at = mount["mountPath"].Str()!.TrimEnd('/') + "/";
            var secret = pod.Volume(mount["name"].Str()!)?["secret"];
            if (!path.StartsWith(at, StringComparison.Ordinal) || secret is null)
            {
                continue;
            }

            var file = path[at.Length..];
            var items = secret["items"].Objects().ToList();
            if (items.Count == 0 || items.Any(i => i["path"].Str() == file))
            {
                return secret["secretName"].Str();
            }
        }

        return null;
    }

    /// <summary>Whether the policies let <paramref name="from"/> reach <paramref name="to"/> on a port: the source's
    /// egress and the destination's ingress must both allow it. Null is outside the namespace.</summary>
    private static bool Allows(List<JsonObject> policies, Dictionary<string, string>? from, Dictionary<string, string>? to, int port, string protocol) =>
        Direction(policies, from, "Egress", "egress", "to", to, port, protocol) && Direction(policies, to, "Ingress", "ingress", "from", from, port, protocol);

    /// <summary>Whether the policies selecting <paramref name="pod"/> for <paramref name="type"/> let traffic to or from
    /// <paramref name="other"/> on a port (a pod no policy selects for a direction is open in that direction).</summary>
    private static bool Direction(List<JsonObject> policies, Dictionary<string, string>? pod, string type, string rules, string peers,
        Dictionary<string, string>? other, int port, string protocol)
    {
        if (pod is null)
        {
            return true;
        }

        var selecting = policies.Where(p => Selects(p["spec"]?["podSelector"], pod) && Types(p).Contains(type)).ToList();
        return selecting.Count == 0 || selecting.Any(p => p["spec"]![rules].Objects().Any(rule =>
            (rule[peers] is not JsonArray list || list.Objects().Any(peer => PeerMatches(peer, other)))
            && (rule["ports"] is not JsonArray ports || ports.Objects().Any(x =>
                x["port"].Str() == port.ToString(System.Globalization.CultureInfo.InvariantCulture) && (x["protocol"].Str() ?? "TCP") == protocol))));
    }

    private static bool PeerMatches(JsonObject peer, Dictionary<string, string>? pod)
    {
        if (peer["ipBlock"] is not null)
        {
            return pod is null;
        }

        if (peer["namespaceSelector"] is not null)
        {
            // Other namespaces (kube-system's DNS, monitoring's Prometheus) stand for "outside".
            return pod is null;
        }

        return pod is not null && Selects(peer["podSelector"], pod);
    }

    private static bool Selects(JsonNode? selector, Dictionary<string, string> labels) =>
        selector?["matchLabels"].Entries().All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value.Str()) ?? true;

    private static HashSet<string> Types(JsonObject policy) =>
        (policy["spec"]?["policyTypes"] as JsonArray ?? []).Select(t => t.Str()!).ToHashSet();

    private static Dictionary<string, string> Pod(string name) => new() { ["app.kubernetes.io/name"] = name };

    private static string Name(Dictionary<string, string>? pod) => pod?["app.kubernetes.io/name"] ?? "outside";
}
