using HyperSearch.Contracts.Specs;
using HyperSearch.Specs;

namespace HyperSearch.Cluster.Tests;

internal static class TestSpecs
{
    /// <summary>A valid command-trial spec (the fixtures' silos do not train, so nothing runs).</summary>
    public static SearchSpec Tiny(string name)
    {
        var parsed = SpecParser.Parse(TinyYaml(name));
        return parsed.Spec ?? throw new InvalidOperationException(string.Join("; ", parsed.Errors));
    }

    public static string TinyYaml(string name) => $$"""
            name: {{name}}
            dataset: synthetic
            search: { sampler: random, scheduler: none, max_trials: 2, seed: 1 }
            training: { epochs: 1 }
            space:
              learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
            trainer:
              command: [/usr/bin/python3, train.py]
            """;
}
