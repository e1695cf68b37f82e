using System.Text.Json.Nodes;
using HyperSearch.Deploy.Tests.Support;

namespace HyperSearch.Deploy.Tests;

/// <summary>Every rendered object validates offline against the Kubernetes (and Prometheus Operator)
/// schemas: k8s/tests/validate.mjs with npm kubernetes-models, plus unknown-field and name checks.</summary>
public sealed class SchemaValidationTests
{
    [Theory]
    [MemberData(nameof(Manifests.DeployableData), MemberType = typeof(Manifests))]
    public void Rendered_objects_validate_against_the_schema(string kustomization)
    {
        var rendered = Manifests.Render(kustomization);
        var result = Validate(rendered.Text);
        Assert.True(result.ExitCode == 0, $"{kustomization} does not validate:\n{result.Describe()}");
        var summary = JsonNode.Parse(result.StdOut.Trim().Split('\n')[^1])!;
        Assert.Equal(rendered.Docs.Count, (int)summary["documents"]!);
        Assert.Equal(0, (int)summary["failed"]!);
    }

    [Fact]
    public void Validator_rejects_wrong_types_missing_fields_unknown_fields_and_kinds()
    {
        const string broken = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: broken }
            spec:
              replicas: "two"
              selector: { matchLabels: { a: b } }
              template:
                metadata: { labels: { a: b } }
                spec:
                  containers:
                    - name: c
                      image: i:1
                      resource: { limits: { cpu: "1" } }
                      securityContext: { capabilities: { dorp: [ALL] } }
            ---
            apiVersion: v1
            kind: Widget
            metadata: { name: w }
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata: { name: sm }
            spec:
              selector: {}
              endpoints: [{ port: http, intervall: 15s }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: s }
            spec:
              ports: [{ name: a-port-name-longer-than-fifteen, port: 80 }]
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: { labels: { a: b } }
            """;
        var result = Validate(broken);
        Assert.Equal(1, result.ExitCode);
        foreach (var expected in new[]
                 {
                     "replicas must be integer",
                     "containers/0/resource: unknown field",
                     "capabilities/dorp: unknown field",
                     "no schema for apiVersion \"v1\" kind \"Widget\"",
                     "endpoints/0/intervall: unknown field",
                     "not a valid port name",
                     "/metadata/name: missing",
                 })
        {
            Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
        }

        var summary = JsonNode.Parse(result.StdOut.Trim())!;
        Assert.Equal(5, (int)summary["failed"]!);
    }

    [Fact]
    public void Validator_refuses_empty_input()
    {
        var result = Validate("---\n");
        Assert.Equal(2, result.ExitCode);
    }

    private static ProcessResult Validate(string yaml)
    {
        var node = Tool.Require("node");
        var script = Tool.RequireValidator();
        return ChildProcess.Run(node, [script], stdin: yaml, workingDirectory: Repo.Root);
    }
}
