using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>k8s/monitoring: Prometheus configuration and alert rules (promtool), the PrometheusRule and
/// ServiceMonitor, the Grafana dashboard and the list of metric names they use.</summary>
public sealed partial class MonitoringTests
{
    private static readonly string PrometheusDir = Repo.At("k8s", "monitoring", "prometheus");
    private static readonly string RulesFile = Path.Combine(PrometheusDir, "hypersearch.rules.yml");
    private static readonly string ConfigFile = Path.Combine(PrometheusDir, "prometheus.yml");
    private static readonly string DashboardFile = Repo.At("k8s", "monitoring", "dashboards", "hypersearch.json");
    private static readonly string MetricsFile = Repo.At("k8s", "monitoring", "metrics.txt");

    public static readonly string[] RequiredAlerts =
    [
        "HyperSearchNoTrialProgress",
        "HyperSearchTrialFailureRatioHigh",
        "HyperSearchSiloDown",
        "HyperSearchNoFreeTrainingSlot",
        "HyperSearchCoordinatorStalled",
        "HyperSearchSiloNotReady",
    ];

    [Fact]
    public void Promtool_check_rules_passes()
    {
        var result = ChildProcess.Run(Tool.Require("promtool"), ["check", "rules", RulesFile], workingDirectory: Repo.Root);
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("SUCCESS", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Promtool_unit_tests_of_the_alert_rules_pass()
    {
        var result = ChildProcess.Run(Tool.Require("promtool"), ["test", "rules", "hypersearch.rules.test.yml"], workingDirectory: PrometheusDir);
        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public void Promtool_unit_tests_cover_every_alert()
    {
        var tests = File.ReadAllText(Path.Combine(PrometheusDir, "hypersearch.rules.test.yml"));
        foreach (var alert in AlertNames())
        {
            Assert.Contains($"alertname: {alert}", tests, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Promtool_check_config_passes()
    {
        var promtool = Tool.Require("promtool");
        var dir = Directory.CreateTempSubdirectory("hypersearch-promcfg-");
        try
        {
            // Debian's promtool is built without Kubernetes service discovery. Where it lacks it, the
            // pod-discovery block is swapped for file discovery and everything else is checked as shipped.
            var config = File.ReadAllText(ConfigFile);
            if (!SupportsKubernetesDiscovery(promtool, dir.FullName))
            {
                config = WithFileDiscovery(config);
                Assert.DoesNotContain("kubernetes_sd_configs", config, StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(dir.FullName, "prometheus.yml"), config);
            File.Copy(RulesFile, Path.Combine(dir.FullName, "hypersearch.rules.yml"));
            var result = ChildProcess.Run(promtool, ["check", "config", "prometheus.yml"], workingDirectory: dir.FullName);
            Assert.True(result.ExitCode == 0, result.Describe());
            Assert.Contains("SUCCESS: 7 rules found", result.StdOut + result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Prometheus_discovers_silo_pods_by_their_annotations()
    {
        var config = Yaml.Load(File.ReadAllText(ConfigFile))!;
        var job = config["scrape_configs"].Objects().Single(j => j["job_name"].Str() == "hypersearch-silo");
        var sd = job["kubernetes_sd_configs"].Objects().Single();
        Assert.Equal("pod", sd["role"].Str());
        Assert.Equal("true", sd["namespaces"]?["own_namespace"].Str());
        var relabels = job["relabel_configs"].Objects().ToList();
        string Sources(JsonObject r) => string.Join(",", (r["source_labels"] as JsonArray ?? []).Select(x => x.Str()));
        Assert.Contains(relabels, r => Sources(r) == "__meta_kubernetes_pod_annotation_prometheus_io_scrape" && r["action"].Str() == "keep" && r["regex"].Str() == "true");
        Assert.Contains(relabels, r => Sources(r) == "__meta_kubernetes_pod_annotation_prometheus_io_path" && r["target_label"].Str() == "__metrics_path__");
        Assert.Contains(relabels, r => Sources(r) == "__address__,__meta_kubernetes_pod_annotation_prometheus_io_port" && r["target_label"].Str() == "__address__");
        Assert.Contains(relabels, r => Sources(r) == "__meta_kubernetes_pod_name" && r["target_label"].Str() == "pod");
    }

    [Fact]
    public void In_cluster_Prometheus_loads_the_shipped_config_and_rules()
    {
        var rendered = Manifests.Render("k8s/overlays/monitoring");
        var pod = rendered.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-prometheus");
        var container = pod.Containers.Single();
        var args = (container["args"] as JsonArray ?? []).Select(a => a.Str()).ToList();
        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", args);
        var mount = container["volumeMounts"].Objects().Single(m => m["mountPath"].Str() == "/etc/prometheus");
        var configMapName = pod.Volume(mount["name"].Str()!)!["configMap"]!["name"].Str();
        var configMap = rendered.Single("ConfigMap", configMapName!);
        Assert.Equal(File.ReadAllText(ConfigFile), configMap["data"]!["prometheus.yml"].Str());
        var ruleFiles = Yaml.Load(File.ReadAllText(ConfigFile))!["rule_files"] as JsonArray ?? [];
        Assert.NotEmpty(ruleFiles);
        foreach (var file in ruleFiles)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(PrometheusDir, file.Str()!)), configMap["data"]![file.Str()!].Str());
        }

        // Pod discovery in its own namespace: a Role that lets it read pods there.
        var account = pod.Spec["serviceAccountName"].Str();
        var binding = rendered.OfKind("RoleBinding").Single(b => b["subjects"].Objects().Any(s => s["name"].Str() == account));
        var role = rendered.Single("Role", binding["roleRef"]!["name"].Str()!);
        var rule = role["rules"].Objects().Single();
        Assert.Equal(["pods"], (rule["resources"] as JsonArray)!.Select(x => x.Str()));
        Assert.Equal(["get", "list", "watch"], (rule["verbs"] as JsonArray)!.Select(x => x.Str()).Order());
    }

    [Fact]
    public void Required_alerts_exist_with_severity_and_text()
    {
        var rules = AlertRules();
        foreach (var name in RequiredAlerts)
        {
            var rule = rules.SingleOrDefault(r => r["alert"].Str() == name);
            Assert.True(rule is not null, $"alert {name} missing from hypersearch.rules.yml");
            Assert.Contains(rule!["labels"]?["severity"].Str(), new[] { "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(rule["annotations"]?["summary"].Str()), $"{name}: no summary");
            Assert.False(string.IsNullOrWhiteSpace(rule["annotations"]?["description"].Str()), $"{name}: no description");
        }

        Assert.Equal("1h", rules.Single(r => r["alert"].Str() == "HyperSearchNoFreeTrainingSlot")["for"].Str());
        Assert.Contains("[30m]", rules.Single(r => r["alert"].Str() == "HyperSearchNoTrialProgress")["expr"].Str(), StringComparison.Ordinal);
        Assert.Contains("[15m]", rules.Single(r => r["alert"].Str() == "HyperSearchTrialFailureRatioHigh")["expr"].Str(), StringComparison.Ordinal);
        Assert.Contains("> 0.5", rules.Single(r => r["alert"].Str() == "HyperSearchTrialFailureRatioHigh")["expr"].Str(), StringComparison.Ordinal);
    }

    [Fact]
    public void PrometheusRule_carries_exactly_the_rules_of_the_plain_rules_file()
    {
        var plain = Yaml.Load(File.ReadAllText(RulesFile))!["groups"];
        var rendered = Manifests.Render("k8s/overlays/monitoring-operator");
        var crd = rendered.Single("PrometheusRule", "hypersearch")["spec"]!["groups"];
        Assert.True(JsonNode.DeepEquals(plain, crd),
            $"k8s/monitoring/operator/prometheusrule.yaml differs from hypersearch.rules.yml:\nplain: {plain!.ToJsonString()}\ncrd:   {crd!.ToJsonString()}");
    }

    [Fact]
    public void ServiceMonitor_scrapes_the_silo_metrics_Service_as_job_hypersearch_silo()
    {
        var monitor = Manifests.Render("k8s/overlays/monitoring-operator").Single("ServiceMonitor", "hypersearch-silo");
        foreach (var overlay in Manifests.SiloOverlays)
        {
            var rendered = Manifests.Render(overlay);
            var labels = new Func<JsonObject, IReadOnlyDictionary<string, string>>(s =>
                s["metadata"]?["labels"].Entries().ToDictionary(kv => kv.Key, kv => kv.Value.Str() ?? "") ?? []);
            var services = rendered.OfKind("Service").Where(s => Manifests.Matches(labels(s), monitor["spec"]!["selector"]!["matchLabels"])).ToList();
            Assert.True(services.Count == 1, $"{overlay}: the ServiceMonitor selects {services.Count} Services, expected the silo metrics Service");
            var service = services[0];
            // The operator names the job after the Service; the rules and the dashboard use job="hypersearch-silo".
            Assert.Equal("hypersearch-silo", service["metadata"]!["name"].Str());
            var port = monitor["spec"]!["endpoints"]![0]!["port"].Str();
            Assert.Contains(service["spec"]!["ports"].Objects(), p => p["name"].Str() == port);
            Assert.True(rendered.Silos().All(p => Manifests.Matches(p.Labels, service["spec"]!["selector"])), $"{overlay}: the metrics Service misses silo pods");
        }

        var config = Yaml.Load(File.ReadAllText(ConfigFile))!;
        Assert.Contains(config["scrape_configs"].Objects(), j => j["job_name"].Str() == "hypersearch-silo");
        Assert.Contains("job=\"hypersearch-silo\"", File.ReadAllText(RulesFile), StringComparison.Ordinal);
    }

    [Fact]
    public void Dashboard_has_a_search_variable_and_the_required_panels()
    {
        var dashboard = Dashboard();
        var variables = dashboard["templating"]!["list"].Objects().ToList();
        var search = variables.SingleOrDefault(v => v["name"].Str() == "search");
        Assert.True(search is not null, "no templated variable named search");
        Assert.Equal("query", search!["type"].Str());
        Assert.Matches(@"^label_values\(hypersearch_[a-z_]+,\s*search_id\)$", search["definition"].Str());
        Assert.Contains(variables, v => v["name"].Str() == "datasource" && v["type"].Str() == "datasource" && v["query"].Str() == "prometheus");

        var panels = Panels(dashboard).ToList();
        Assert.All(panels, p => Assert.Equal("${datasource}", p["datasource"]?["uid"].Str()));
        Assert.All(panels, p => Assert.NotEmpty(p["targets"].Objects()));
        Assert.All(panels.SelectMany(p => p["targets"].Objects()), t => Assert.False(string.IsNullOrWhiteSpace(t["expr"].Str())));

        bool Any(Func<string, bool> exprTest, bool perSearch) => panels.Any(p =>
            p["targets"].Objects().Any(t => exprTest(t["expr"].Str()!) && (!perSearch || t["expr"].Str()!.Contains("$search", StringComparison.Ordinal))));
        Assert.True(Any(e => e.Contains("hypersearch_training_slots_busy", StringComparison.Ordinal), false), "no slots-busy panel");
        Assert.True(Any(e => e.Contains("hypersearch_trials_queued", StringComparison.Ordinal), false), "no queue panel");
        Assert.True(panels.Any(p => p["title"].Str() == "Trials by state" && p["targets"].Objects().Count() >= 5), "no trials-by-state panel");
        Assert.True(Any(e => e.Contains("hypersearch_training_images_per_second", StringComparison.Ordinal), false), "no images/s panel");
        Assert.True(Any(e => e.Contains("hypersearch_epoch_duration_seconds", StringComparison.Ordinal), false), "no epoch-time panel");
        Assert.True(Any(e => e.Contains("hypersearch_search_best_val_accuracy", StringComparison.Ordinal), true), "no per-search best-accuracy panel");
        Assert.True(Any(e => e.Contains("hypersearch_trial_val_accuracy", StringComparison.Ordinal) && e.Contains("trial", StringComparison.Ordinal), true), "no per-trial accuracy panel");
    }

    [Fact]
    public void Dashboard_panels_do_not_overlap()
    {
        var boxes = Dashboard()["panels"].Objects()
            .Select(p => (Title: p["title"].Str(), X: (int)p["gridPos"]!["x"]!, Y: (int)p["gridPos"]!["y"]!, W: (int)p["gridPos"]!["w"]!, H: (int)p["gridPos"]!["h"]!))
            .ToList();
        Assert.All(boxes, b => Assert.True(b.X + b.W <= 24, $"{b.Title} is wider than the grid"));
        var ids = Dashboard()["panels"].Objects().Select(p => (int)p["id"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                var overlap = a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H;
                Assert.False(overlap, $"panels '{a.Title}' and '{b.Title}' overlap");
            }
        }
    }

    [Fact]
    public void Every_dashboard_query_is_valid_PromQL()
    {
        var exprs = DashboardExprs().ToList();
        Assert.True(exprs.Count >= 20, $"only {exprs.Count} dashboard queries found");
        var result = CheckExprs(exprs);
        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Fact]
    public void The_PromQL_check_catches_a_broken_query()
    {
        var result = CheckExprs(["sum(rate(hypersearch_trials_started_total[5m])"]);
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Metric_list_matches_the_metrics_the_rules_and_dashboard_use()
    {
        var listed = File.ReadAllLines(MetricsFile)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
        var used = AlertRules().Select(r => r["expr"].Str()!)
            .Concat(DashboardExprs())
            .Concat(Dashboard()["templating"]!["list"].Objects().Select(v => v["definition"].Str() ?? ""))
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(used.Count >= 10, $"only {used.Count} metric names found in the queries");
        Assert.Empty(used.Except(listed).Order());
        Assert.Empty(listed.Except(used).Order());
    }

    [Fact]
    public void Listed_metrics_are_the_silo_metrics_the_app_exports()
    {
        // Derived from the product: the instruments the HyperSearch meter really creates, named as the exporter names
        // them. Tests/HyperSearch.Monitoring.Tests checks the same names against a live silo's /metrics.
        var exported = ProductMetrics.ExportedNames();
        Assert.True(exported.Count >= 10, $"only {exported.Count} series names derived from the HyperSearch meter: {string.Join(", ", exported)}");
        var listed = File.ReadAllLines(MetricsFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
        var missing = listed.Except(exported).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0,
            "k8s/monitoring/metrics.txt lists series no instrument of the HyperSearch meter exports:\n  " + string.Join("\n  ", missing)
            + "\nthe meter exports:\n  " + string.Join("\n  ", exported.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Grafana_is_provisioned_with_the_Prometheus_datasource_and_the_dashboard()
    {
        var rendered = Manifests.Render("k8s/overlays/monitoring");
        var pod = rendered.PodTemplates().Single(p => p.Id == "Deployment/hypersearch-grafana");
        var grafana = pod.Containers.Single();
        var provisioningVolume = pod.Volume(grafana["volumeMounts"].Objects().Single(m => m["mountPath"].Str() == "/etc/grafana/provisioning")["name"].Str()!)!;
        var provisioning = rendered.Single("ConfigMap", provisioningVolume["configMap"]!["name"].Str()!);
        var paths = provisioningVolume["configMap"]!["items"].Objects().ToDictionary(i => i["key"].Str()!, i => i["path"].Str()!);
        Assert.StartsWith("datasources/", paths["datasources.yaml"], StringComparison.Ordinal);
        Assert.StartsWith("dashboards/", paths["dashboards.yaml"], StringComparison.Ordinal);

        var datasource = Yaml.Load(provisioning["data"]!["datasources.yaml"].Str()!)!["datasources"].Objects().Single();
        var prometheus = rendered.Single("Service", "hypersearch-prometheus");
        Assert.Equal($"http://hypersearch-prometheus:{prometheus["spec"]!["ports"]![0]!["port"].Str()}", datasource["url"].Str());
        Assert.Equal("prometheus", datasource["type"].Str());

        var provider = Yaml.Load(provisioning["data"]!["dashboards.yaml"].Str()!)!["providers"].Objects().Single();
        var dashboardsPath = provider["options"]!["path"].Str();
        var dashboardsMount = grafana["volumeMounts"].Objects().Single(m => m["mountPath"].Str() == dashboardsPath);
        var dashboardsConfigMap = rendered.Single("ConfigMap", pod.Volume(dashboardsMount["name"].Str()!)!["configMap"]!["name"].Str()!);
        Assert.Equal(File.ReadAllText(DashboardFile), dashboardsConfigMap["data"]!["hypersearch.json"].Str());
        Assert.Equal("1", dashboardsConfigMap["metadata"]!["labels"]!["grafana_dashboard"].Str());
        var home = rendered.EffectiveEnv(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"];
        Assert.Equal($"{dashboardsPath}/hypersearch.json", home);
        Assert.Equal("secretKeyRef:hypersearch-grafana/admin-password", rendered.EffectiveEnv(grafana)["GF_SECURITY_ADMIN_PASSWORD"]);
    }

    // ---- helpers ----

    private static List<JsonObject> AlertRules() =>
        Yaml.Load(File.ReadAllText(RulesFile))!["groups"].Objects().SelectMany(g => g["rules"].Objects()).Where(r => r["alert"] is not null).ToList();

    private static IEnumerable<string> AlertNames() => AlertRules().Select(r => r["alert"].Str()!);

    private static JsonNode Dashboard() => JsonNode.Parse(File.ReadAllText(DashboardFile))!;

    private static IEnumerable<JsonObject> Panels(JsonNode dashboard) =>
        dashboard["panels"].Objects().Where(p => p["type"].Str() != "row")
            .Concat(dashboard["panels"].Objects().SelectMany(p => p["panels"].Objects()));

    private static IEnumerable<string> DashboardExprs() =>
        Panels(Dashboard()).SelectMany(p => p["targets"].Objects()).Select(t => t["expr"].Str()!);

    /// <summary>promtool check rules on a file that records every expression, with Grafana's variables
    /// replaced by values Prometheus understands.</summary>
    private static ProcessResult CheckExprs(IEnumerable<string> exprs)
    {
        var promtool = Tool.Require("promtool");
        var rules = new JsonObject
        {
            ["groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "dashboard",
                ["rules"] = new JsonArray(exprs.Select((e, i) => (JsonNode)new JsonObject
                {
                    ["record"] = $"dashboard:query_{i}",
                    ["expr"] = e.Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                        .Replace("$__range", "6h", StringComparison.Ordinal)
                        .Replace("$search", ".*", StringComparison.Ordinal),
                }).ToArray()),
            }),
        };
        var file = Path.Combine(Path.GetTempPath(), $"hypersearch-dashboard-{Guid.NewGuid():N}.rules.json");
        File.WriteAllText(file, rules.ToJsonString());
        try
        {
            return ChildProcess.Run(promtool, ["check", "rules", file], workingDirectory: Repo.Root);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static bool SupportsKubernetesDiscovery(string promtool, string dir)
    {
        var probe = Path.Combine(dir, "probe.yml");
        File.WriteAllText(probe, "scrape_configs:\n  - job_name: probe\n    kubernetes_sd_configs:\n      - role: pod\n");
        var supported = ChildProcess.Run(promtool, ["check", "config", probe], workingDirectory: Repo.Root).ExitCode == 0;
        File.Delete(probe);
        return supported;
    }

    /// <summary>The config with each kubernetes_sd_configs block replaced by a file_sd_configs block.</summary>
    internal static string WithFileDiscovery(string config)
    {
        var lines = config.Split('\n').ToList();
        var output = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Trim() != "kubernetes_sd_configs:")
            {
                output.Add(lines[i]);
                continue;
            }

            var indent = lines[i].Length - lines[i].TrimStart().Length;
            output.Add(new string(' ', indent) + "file_sd_configs:");
            output.Add(new string(' ', indent + 2) + "- files: [\"targets/*.json\"]");
            while (i + 1 < lines.Count && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent ||
                       lines[i + 1].TrimStart().StartsWith("- ", StringComparison.Ordinal) && lines[i + 1].Length - lines[i + 1].TrimStart().Length == indent))
            {
                i++;
            }
        }

        return string.Join('\n', output);
    }

    [GeneratedRegex(@"\bhypersearch_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
