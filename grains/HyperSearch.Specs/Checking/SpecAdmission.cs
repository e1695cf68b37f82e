
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

    /// <param name="parsed">The parse result, for line numbers; null when the spec came from elsewhere (a grain call).</param>
    public static SpecCheckResult Check(SearchSpec spec, string? dataDirectory, DataChecks data, SpecParseResult? parsed = null)
    {
        parsed ??= new SpecParseResult(spec, [], new Dictionary<string, int>());
        var errors = SpecChecker.Check(spec, parsed, dataDirectory, data != DataChecks.None);
        CheckMetric(spec, parsed, errors);
        CheckProgram(spec, parsed, errors);
        PreparedDataset? loaded = null;
        if (data == DataChecks.Load && !spec.Trainer.IsCommand && !errors.Any(e => e.Field.StartsWith("dataset", StringComparison.Ordinal)))
        {
            try
            {
                loaded = DatasetCatalog.Load(DatasetLocation.OptionsFor(spec.Dataset, dataDirectory));
            }
            catch (DatasetException e)
            {
                var field = e is PreprocessingMismatchException ? "dataset" : spec.Dataset.Path is null ? "dataset.name" : "dataset.path";
                errors.Add(new SpecError(field, parsed.LineOf(field) ?? parsed.LineOf("dataset"), e.Message));
            }
        }

        return new SpecCheckResult(errors, loaded);
    }

    private static void CheckMetric(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        // A command trial may print any metric; only the built-in trainer's are known up front.
        var metric = spec.Search.Metric;
        if (spec.Trainer.IsCommand || BuiltInMetrics.Contains(metric))
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
