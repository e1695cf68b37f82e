namespace HyperSearch.Training.Tests;

/// <summary>
/// Tests that train real models or decode all of Fashion-MNIST. libtorch already uses every core for one of
/// them, so on a 2-core machine two at once only make each slower and their timings meaningless: they run one
/// at a time, beside the light tests.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MachineCollection
{
    public const string Name = "real training";
}
