using HyperSearch.Tuning;
using HyperSearch.Tuning.Pbt;

namespace HyperSearch.Specs;

/// <summary>What a <c>scheduler: pbt</c> spec needs beyond valid options: the built-in trainer (a member clones
/// another's checkpoint), one population of max_trials members sharing one epoch budget, and searched trainable
/// knobs to explore.</summary>
internal static class PbtSpecCheck
{
    private const string Options = "search.scheduler_options";

    public static void Check(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        if (!string.Equals(spec.Search.Scheduler, "pbt", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        PbtOptions options;
        try
        {
            options = Algorithms.ReadPbt(spec.Search.SchedulerOptions, spec.MaxEpochs);
        }
        catch (ArgumentException)
        {
            return; // reported with the scheduler's other options
        }

        void Error(string field, string message) =>
            errors.Add(new SpecError(field, parsed.LineOf(field) ?? parsed.LineOf(Options) ?? parsed.LineOf("search"), message));

        if (spec.Trainer.IsCommand)
        {
            Error("search.scheduler", "pbt clones checkpoints of the built-in trainer; a command trainer's state cannot be cloned");
        }

        if (spec.Space.Any(p => p.Name == "epochs" && p.Kind != ParameterKind.Fixed))
        {
            Error("space.epochs", "pbt trains every member for the same epochs; fix epochs under training");
        }

        if (options.Population is { } population && population != spec.Search.MaxTrials)
        {
            Error($"{Options}.population", $"is {population} but search.max_trials is {spec.Search.MaxTrials}; each member is one trial, so they must match");
        }

        var searched = spec.Space.Where(p => p.Kind != ParameterKind.Fixed).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var knob in options.Mutate.Where(k => !searched.Contains(k)))
        {
            Error($"{Options}.mutate", $"'{knob}' is not searched; give it a range under space so pbt can perturb and resample it");
        }

        if (options.Mutate.Count == 0 && !searched.Any(PbtOptions.TrainableKnobs.Contains))
        {
            Error("space", $"pbt has nothing to explore: search at least one of {string.Join(", ", PbtOptions.TrainableKnobs)}");
        }
    }
}
