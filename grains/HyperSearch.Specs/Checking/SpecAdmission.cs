using System.Runtime.CompilerServices;


namespace HyperSearch.Specs;

/// <summary>How much of the data a spec check looks at.</summary>
public enum DataChecks
{
    /// <summary>None: the data lives elsewhere (a cluster's volume); built-in datasets' known shapes stand in.</summary>
    None,

    /// <summary>The files exist and their headers read.</summary>
    Probe,

    /// <summary>The whole dataset is decoded, split and checked: labels, subset size, and the scale of every split
    /// against the training split (the preprocessing trap). The loaded data stays cached for the trials.</summary>
    Load,
}

/// <summary>The outcome of <see cref="SpecAdmission.Check"/>: every problem, located, and the loaded data (with its
/// warnings) when <see cref="DataChecks.Load"/> succeeded.</summary>
public sealed record SpecCheckResult(IReadOnlyList<SpecError> Errors, PreparedDataset? Data)
{
    public bool Valid => Errors.Count == 0;

    public IReadOnlyList<string> Warnings => Data?.Warnings ?? [];
}

/// <summary>Every check a structurally valid spec gets before anything starts, in one place, so `validate`, `run`
/// and a coordinator admitting `search start` refuse exactly the same specs with the same messages.</summary>
public static class SpecAdmission
{
    /// <summary>The epoch metrics the built-in trainer reports, i.e. the objectives it can optimize.</summary>
    public static IReadOnlyList<string> BuiltInMetrics { get; } =
        [EpochMetrics.ValAccuracy, EpochMetrics.ValLoss, EpochMetrics.TrainAccuracy, EpochMetrics.TrainLoss];

    /// <summary>Specs this process has admitted, by object: `hypersearch run` hands the spec it checked to its embedded
    /// coordinator, and an in-process grain call passes the (immutable) spec by reference, so the coordinator's
    /// admission finds it here instead of checking it again. A spec from another process is always checked.</summary>
    private static readonly ConditionalWeakTable<SearchSpec, Admitted> AdmittedSpecs = new();

    private static long _fullChecks;

    /// <summary>How many specs this process has checked in full (not found in <see cref="AdmittedSpecs"/>).</summary>
    internal static long FullChecks => Interlocked.Read(ref _fullChecks);

    /// <param name="parsed">The parse result, for line numbers; null when the spec came from elsewhere (a grain call).</param>
    public static SpecCheckResult Check(SearchSpec spec, string? dataDirectory, DataChecks data, SpecParseResult? parsed = null)
    {
        // A check that looked at the data at least as closely, with the same data folder, stands.
        if (AdmittedSpecs.TryGetValue(spec, out var admitted) && admitted.DataDirectory == dataDirectory && admitted.Data >= data)
        {
            return admitted.Result;
        }

        Interlocked.Increment(ref _fullChecks);
        parsed ??= new SpecParseResult(spec, [], new Dictionary<string, int>());
        var errors = SpecChecker.Check(spec, parsed, dataDirectory, data, out var loaded);
        CheckMetric(spec, parsed, errors);
        CheckProgram(spec, parsed, errors);
        var result = new SpecCheckResult(errors, loaded);
        if (result.Valid)
        {
            AdmittedSpecs.AddOrUpdate(spec, new Admitted(dataDirectory, data, result));
        }

        return result;
    }

    /// <summary>Lets <paramref name="derived"/> (the admitted <paramref name="original"/> with run-time additions such as
    /// warm-start trials, which need no check) stand admitted as the original does.</summary>
    public static void AdmitAlso(SearchSpec original, SearchSpec derived)
    {
        if (AdmittedSpecs.TryGetValue(original, out var admitted))
        {
            AdmittedSpecs.AddOrUpdate(derived, admitted);
        }
    }

    private sealed record Admitted(string? DataDirectory, DataChecks Data, SpecCheckResult Result);

    private static void CheckMetric(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        // A command trial may print any metric; only the built-in trainer's are known up front.
        var metric = spec.Search.Metric;
        // search.objectives were checked against the trainer's metrics where they were parsed.
        if (spec.Trainer.IsCommand || BuiltInMetrics.Contains(metric) || spec.Search.Objectives is { Count: > 0 })
        {
            return;
        }

        errors.Add(new SpecError("search.metric", parsed.LineOf("search.metric") ?? parsed.LineOf("search"),
            $"the built-in trainer does not report '{metric}'; expected one of {string.Join(", ", BuiltInMetrics)}"));
    }

    private static void CheckProgram(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        if (spec.Trainer.Command is not [var program, ..])
        {
            return;
        }

        var workingDirectory = Path.GetFullPath(spec.Trainer.WorkingDirectory ?? Directory.GetCurrentDirectory());
        if (ProgramLocator.Resolve(program, workingDirectory, out var problem) is null)
        {
            errors.Add(new SpecError("trainer.command", parsed.LineOf("trainer.command") ?? parsed.LineOf("trainer"), problem ?? $"program not found: {program}"));
        }
    }
}
