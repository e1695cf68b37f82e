namespace HyperSearch.Grains.Tests;

/// <summary>
/// Tests that start in-process clusters or real trial processes and wait on them: run together on a 2-core
/// machine they starve each other's timers and processes. They run one at a time, beside the light tests.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MachineCollection
{
    public const string Name = "clusters and processes";
}
