using HyperSearch.Contracts.Specs;
using HyperSearch.Grains.Search;
using HyperSearch.Randomness;
using HyperSearch.Runners;
using HyperSearch.Tuning;

namespace HyperSearch.Grains.Tests;

/// <summary>The layers, as the compiled assemblies reference each other: Contracts holds grain interfaces and records
/// (no YAML, no TorchSharp), Tuning is pure (its one dependency is the seeded generator), Grains coordinates without TorchSharp or the runners, and the runners
/// know no grains.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Each_layer_references_only_what_it_may()
    {
        Assert.DoesNotContain(References(typeof(SearchSpec)), n => n.StartsWith("YamlDotNet", StringComparison.Ordinal) || n.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(References(typeof(Algorithms)), n => n.StartsWith("Orleans", StringComparison.Ordinal) || n.StartsWith("TorchSharp", StringComparison.Ordinal)
            || (n.StartsWith("HyperSearch.", StringComparison.Ordinal) && n != "HyperSearch.Randomness"));
        Assert.DoesNotContain(References(typeof(SeededRandom)), n => n.StartsWith("Orleans", StringComparison.Ordinal) || n.StartsWith("TorchSharp", StringComparison.Ordinal) || n.StartsWith("HyperSearch.", StringComparison.Ordinal));
        Assert.DoesNotContain(References(typeof(SearchCoordinator)), n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n is "HyperSearch.Training" or "HyperSearch.Runners" or "HyperSearch.Specs");
        Assert.DoesNotContain(References(typeof(CommandTrialRunner)), n => n is "HyperSearch.Grains" or "HyperSearch.Specs");

        // The assertions above look at real references: each layer does use its neighbours.
        Assert.Contains("HyperSearch.Contracts", References(typeof(SearchCoordinator)));
        Assert.Contains("HyperSearch.Training", References(typeof(CommandTrialRunner)));
        Assert.Contains("HyperSearch.Randomness", References(typeof(Algorithms)));
    }

    private static List<string> References(Type type) =>
        type.Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
}
