using HyperSearch.Contracts.Specs;

namespace HyperSearch.Grains.Tests;

/// <summary>Specs for coordinator tests: a small CNN-shaped space the fake runner scores deterministically.</summary>
internal static class TestSpecs
{
    public static SearchSpec Make(
        string sampler = "random",
        string scheduler = "none",
        int maxTrials = 6,
        int maxConcurrent = 2,
        int epochs = 3,
        TimeSpan? timeBudget = null,
        double? target = null,
        int maxFailed = 3,
        IReadOnlyList<ParameterSpec>? space = null) => new(
        "test",
        new DatasetSpec("fashion-mnist", null, 0.1, 1000, null, 0),
        new SearchSettings(sampler, new Dictionary<string, object>(), scheduler, new Dictionary<string, object>(), maxTrials, maxConcurrent, timeBudget, "val_accuracy", true, target, maxFailed, 7),
        new Dictionary<string, object> { ["epochs"] = (long)epochs },
        space ?? DefaultSpace,
        TrainerSpec.BuiltIn);

    public static readonly IReadOnlyList<ParameterSpec> DefaultSpace =
    [
        new("conv1_filters", ParameterKind.Choice, [32L, 64L, 128L], 0, 0, false),
        new("dropout", ParameterKind.Uniform, null, 0.1, 0.6, false),
        new("learning_rate", ParameterKind.LogUniform, null, 1e-4, 1e-2, false),
    ];

    public static readonly IReadOnlyList<ParameterSpec> GridSpace =
    [
        new("conv1_filters", ParameterKind.Choice, [32L, 64L], 0, 0, false),
        new("conv1_kernel", ParameterKind.Choice, [3L, 5L], 0, 0, false),
    ];
}
