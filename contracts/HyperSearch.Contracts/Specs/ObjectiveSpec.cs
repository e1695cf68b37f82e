namespace HyperSearch.Contracts.Specs;

/// <summary>One objective of a multi-objective search: an epoch metric and whether higher is better.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.ObjectiveSpec")]
public sealed record ObjectiveSpec(
    [property: Id(0)] string Metric,
    [property: Id(1)] bool Maximize);
