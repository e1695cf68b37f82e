using HyperSearch.Contracts.Trials;

namespace HyperSearch.Contracts.Specs;

/// <summary>Trials of an earlier search that seed a new search's sampler (`hypersearch run --warm-start`).</summary>
/// <param name="Source">The run directory or search id they came from.</param>
/// <param name="Trials">The compatible finished trials: same parameter names, every value inside the new domains.</param>
/// <param name="Skipped">How many finished trials were left out as incompatible.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.WarmStart")]
public sealed record WarmStart(
    [property: Id(0)] string Source,
    [property: Id(1)] IReadOnlyList<ImportedTrial> Trials,
    [property: Id(2)] int Skipped);

/// <summary>One imported trial: its number in the source search, configuration, final state and curve.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.ImportedTrial")]
public sealed record ImportedTrial(
    [property: Id(0)] int SourceNumber,
    [property: Id(1)] IReadOnlyDictionary<string, object> Parameters,
    [property: Id(2)] TrialState State,
    [property: Id(3)] IReadOnlyList<EpochMetrics> Epochs);
