using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace HyperSearch.Monitoring.Tests.Support;

/// <summary>The metric names k8s/monitoring uses: the list in metrics.txt, and the names in the PromQL of the Grafana
/// dashboard and of both copies of the alert rules.</summary>
internal static partial class MonitoringQueries
{
    public static string MetricsList => Layout.At("k8s", "monitoring", "metrics.txt");

    public static string Dashboard => Layout.At("k8s", "monitoring", "dashboards", "hypersearch.json");

    public static string Rules => Layout.At("k8s", "monitoring", "prometheus", "hypersearch.rules.yml");

    public static string PrometheusRule => Layout.At("k8s", "monitoring", "operator", "prometheusrule.yaml");

    public static IReadOnlyList<string> Listed() =>
        File.ReadAllLines(MetricsList).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>Query text → where it came from.</summary>
    public static IReadOnlyList<(string Source, string Query)> Queries()
    {
        var queries = new List<(string, string)>();
        Walk(JsonNode.Parse(File.ReadAllText(Dashboard)), "dashboard", queries);
        foreach (var file in new[] { Rules, PrometheusRule })
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            foreach (var document in yaml.Documents)
            {
                Walk(document.RootNode, Path.GetFileName(file), queries);
            }
        }

        return queries;
    }

    /// <summary>Metric names in the queries, by name → the sources that use it.</summary>
    public static IReadOnlyDictionary<string, SortedSet<string>> UsedNames()
    {
        var used = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (source, query) in Queries())
        {
            foreach (Match m in MetricName().Matches(query))
            {
                if (!used.TryGetValue(m.Value, out var sources))
                {
                    used[m.Value] = sources = [];
                }

                sources.Add(source);
            }
        }

        return used;
    }

    private static void Walk(JsonNode? node, string source, List<(string, string)> queries)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key is "expr" or "definition" or "query" && value is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        queries.Add((source, text));
                    }
                    else
                    {
                        Walk(value, source, queries);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Walk(item, source, queries);
                }

                break;
        }
    }

    private static void Walk(YamlNode node, string source, List<(string, string)> queries)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    if (key is YamlScalarNode { Value: "expr" } && value is YamlScalarNode { Value: { } text })
                    {
                        queries.Add((source, text));
                    }
                    else
                    {
                        Walk(value, source, queries);
                    }
                }

                break;
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    Walk(item, source, queries);
                }

                break;
        }
    }

    /// <summary>Series the silo exports (Prometheus' own `up` is not one).</summary>
    [GeneratedRegex(@"\b(?:hypersearch|orleans|process|dotnet|aspnetcore|kestrel|http)_[A-Za-z0-9_:]*[A-Za-z0-9]")]
    private static partial Regex MetricName();
}
