namespace HyperSearch.Contracts.Specs;

/// <summary>A whole search, as parsed and validated from YAML/JSON. Immutable once a search starts.</summary>
/// <param name="Name">A human name; the search id is separate.</param>
/// <param name="Dataset">Which data, and how it is split.</param>
/// <param name="Search">Sampler, scheduler and stop conditions.</param>
/// <param name="Training">Fixed training knobs (every trial gets these unless the space varies them).</param>
/// <param name="Space">The searched knobs.</param>
/// <param name="Trainer">The built-in CNN trainer, or a black-box command.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.SearchSpec")]
public sealed record SearchSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] DatasetSpec Dataset,
    [property: Id(2)] SearchSettings Search,
    [property: Id(3)] IReadOnlyDictionary<string, object> Training,
    [property: Id(4)] IReadOnlyList<ParameterSpec> Space,
    [property: Id(5)] TrainerSpec Trainer)
{
    /// <summary>The most epochs any trial may run: the fixed or largest searched "epochs" knob.</summary>
    public int MaxEpochs
    {
        get
        {
            var searched = Space.FirstOrDefault(p => p.Name == "epochs");
            if (searched is not null)
            {
                return searched.Kind switch
                {
                    ParameterKind.Choice or ParameterKind.Fixed => searched.Values!.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)),
                    _ => (int)searched.High,
                };
            }

            return Training.TryGetValue("epochs", out var fixedEpochs)
                ? Convert.ToInt32(fixedEpochs, System.Globalization.CultureInfo.InvariantCulture)
                : DefaultEpochs;
        }
    }

    public const int DefaultEpochs = 3;

    /// <summary>The epochs one trial trains at most: its sampled "epochs" knob, else the fixed one, else the default.</summary>
    public int EpochsFor(IReadOnlyDictionary<string, object> parameters)
    {
        var value = parameters.TryGetValue("epochs", out var sampled) ? sampled : Training.GetValueOrDefault("epochs");
        return value is null ? MaxEpochs : Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

[GenerateSerializer, Immutable, Alias("HyperSearch.DatasetSpec")]
public sealed record DatasetSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string? Path,
    [property: Id(2)] double ValidationFraction,
    [property: Id(3)] int? TrainSubset,
    [property: Id(4)] double? TrainSubsetFraction,
    [property: Id(5)] int SplitSeed,
    [property: Id(6)] bool AllowDistributionShift = false);

/// <param name="Metric">The objective: an epoch metric name such as val_accuracy.</param>
/// <param name="Maximize">Whether a higher objective is better.</param>
/// <param name="TargetValue">Stop the search once a completed trial reaches this objective.</param>
/// <param name="TimeBudget">Stop the search after this long (running trials are cancelled).</param>
/// <param name="MaxFailedTrials">Fail the search when more trials than this have failed.</param>
/// <param name="Objectives">Two or more objectives for a Pareto search (the first is also <see cref="Metric"/>);
/// null for a single-objective search.</param>
/// <param name="WarmStart">Finished trials of an earlier search that seed the sampler (never run again).</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.SearchSettings")]
public sealed record SearchSettings(
    [property: Id(0)] string Sampler,
    [property: Id(1)] IReadOnlyDictionary<string, object> SamplerOptions,
    [property: Id(2)] string Scheduler,
    [property: Id(3)] IReadOnlyDictionary<string, object> SchedulerOptions,
    [property: Id(4)] int MaxTrials,
    [property: Id(5)] int MaxConcurrent,
    [property: Id(6)] TimeSpan? TimeBudget,
    [property: Id(7)] string Metric,
    [property: Id(8)] bool Maximize,
    [property: Id(9)] double? TargetValue,
    [property: Id(10)] int MaxFailedTrials,
    [property: Id(11)] int Seed,
    [property: Id(12)] IReadOnlyList<ObjectiveSpec>? Objectives = null,
    [property: Id(13)] WarmStart? WarmStart = null)
{
    /// <summary>True when the search trades off two or more objectives (a Pareto front rather than one winner).</summary>
    public bool IsMultiObjective => Objectives is { Count: > 1 };
}

public enum ParameterKind
{
    Fixed,
    Choice,
    IntRange,
    Uniform,
    LogUniform,
}

/// <summary>One searched knob. Values hold the choices (or the one fixed value); Low/High the range.</summary>
[GenerateSerializer, Immutable, Alias("HyperSearch.ParameterSpec")]
public sealed record ParameterSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] ParameterKind Kind,
    [property: Id(2)] IReadOnlyList<object>? Values,
    [property: Id(3)] double Low,
    [property: Id(4)] double High,
    [property: Id(5)] bool Log);

/// <summary>How a trial is run: the built-in trainer when <see cref="Command"/> is null, else a black-box program.</summary>
/// <param name="Timeout">A command trial running longer than this is killed and fails.</param>
/// <param name="StopGracePeriod">Between SIGTERM and SIGKILL when a command trial is stopped.</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.TrainerSpec")]
public sealed record TrainerSpec(
    [property: Id(0)] IReadOnlyList<string>? Command,
    [property: Id(1)] TimeSpan? Timeout,
    [property: Id(2)] string? WorkingDirectory,
    [property: Id(3)] TimeSpan StopGracePeriod)
{
    public static TrainerSpec BuiltIn { get; } = new(null, null, null, TimeSpan.FromSeconds(10));

    public bool IsCommand => Command is { Count: > 0 };
}
