using System.Globalization;
using HyperSearch.Tuning;

namespace HyperSearch.Specs;

/// <summary>Checks a structurally valid spec against what this installation can do: the dataset exists and reads,
/// every knob is one the trainer has and every value is one it accepts, the largest feature-map shrink the space
/// allows still fits the input, and the sampler and scheduler exist with valid options.</summary>
internal static class SpecChecker
{
    /// <summary>Knobs whose larger values shrink the feature map; the worst case takes their maximum.</summary>
    private static readonly string[] ShrinkingSuffixes = ["_kernel", "_stride", "_pool", "conv_layers"];

    /// <param name="loaded">The data, when <paramref name="data"/> asked for a load and it succeeded.</param>
    public static List<SpecError> Check(SearchSpec spec, SpecParseResult parsed, string? dataDirectory, DataChecks data, out PreparedDataset? loaded)
    {
        var errors = new List<SpecError>();
        loaded = null;
        CheckAlgorithms(spec, parsed, errors);
        if (spec.Trainer.IsCommand)
        {
            // A black-box program defines its own knobs and data.
            return errors;
        }

        (var input, loaded) = DataCheck.Check(spec, parsed, dataDirectory, data, errors);
        if (!CheckKnobs(spec, parsed, errors) || input is null)
        {
            return errors;
        }

        CheckArchitecture(spec, parsed, input, errors);
        return errors;
    }

    private static void CheckAlgorithms(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        try
        {
            Algorithms.CheckSampler(spec.Search.Sampler, spec.Search.SamplerOptions);
        }
        catch (ArgumentException e)
        {
            errors.Add(new SpecError("search.sampler", parsed.LineOf("search.sampler") ?? parsed.LineOf("search"), e.Message));
        }

        try
        {
            Algorithms.CheckScheduler(spec.Search.Scheduler, spec.Search.SchedulerOptions, spec.MaxEpochs);
        }
        catch (ArgumentException e)
        {
            // An error in one option points at that option's line (e.g. pbt asked to mutate an architecture knob).
            var field = e is Tuning.Support.OptionException o ? $"search.scheduler_options.{o.Option}" : "search.scheduler";
            errors.Add(new SpecError(field, parsed.LineOf(field) ?? parsed.LineOf("search.scheduler") ?? parsed.LineOf("search"), e.Message));
        }

        PbtSpecCheck.Check(spec, parsed, errors);
    }

    /// <summary>Every knob must exist, and every value a trial could receive must parse: each choice, and both ends of each range.</summary>
    private static bool CheckKnobs(SearchSpec spec, SpecParseResult parsed, List<SpecError> errors)
    {
        var before = errors.Count;
        foreach (var name in spec.Training.Keys.Where(n => !Hyperparameters.IsKnown(n)))
        {
            errors.Add(new SpecError($"training.{name}", parsed.LineOf($"training.{name}"), UnknownKnob(name)));
        }

        foreach (var name in spec.Space.Select(p => p.Name).Where(n => !Hyperparameters.IsKnown(n)))
        {
            errors.Add(new SpecError($"space.{name}", parsed.LineOf($"space.{name}"), UnknownKnob(name)));
        }

        if (errors.Count > before)
        {
            return false;
        }

        var baseline = Baseline(spec);
        TryParse(baseline, spec, parsed, errors, searched: null);
        foreach (var parameter in spec.Space)
        {
            foreach (var value in Corners(parameter))
            {
                var config = new Dictionary<string, object>(baseline, StringComparer.Ordinal) { [parameter.Name] = value };
                TryParse(config, spec, parsed, errors, parameter.Name);
            }
        }

        return errors.Count == before;
    }

    private static void CheckArchitecture(SearchSpec spec, SpecParseResult parsed, DatasetInfo input, List<SpecError> errors)
    {
        var worst = Baseline(spec);
        foreach (var parameter in spec.Space.Where(p => ShrinkingSuffixes.Any(p.Name.EndsWith)))
        {
            worst[parameter.Name] = Corners(parameter).MaxBy(v => Convert.ToDouble(v, CultureInfo.InvariantCulture))!;
        }

        foreach (var padding in spec.Space.Where(p => p.Name.EndsWith("_padding", StringComparison.Ordinal)))
        {
            worst[padding.Name] = Corners(padding).Contains("valid") ? "valid" : Corners(padding).First();
        }

        try
        {
            ModelBuilder.Validate(Hyperparameters.Parse(worst), input);
        }
        catch (ConfigException e)
        {
            var field = spec.Space.Any(p => p.Name == e.Key) ? $"space.{e.Key}" : spec.Space.Count > 0 ? "space" : "training";
            errors.Add(new SpecError(field, parsed.LineOf(field),
                $"architecture does not fit the {input.Height}×{input.Width}×{input.Channels} input of {spec.Dataset.Name} at the space's largest kernels/strides/pools: {e.Message}"));
        }
    }

    private static void TryParse(Dictionary<string, object> config, SearchSpec spec, SpecParseResult parsed, List<SpecError> errors, string? searched)
    {
        try
        {
            Hyperparameters.Parse(config);
        }
        catch (ConfigException e)
        {
            var field = searched is not null && (e.Key == searched || e.Key is null) ? $"space.{searched}"
                : spec.Training.ContainsKey(e.Key ?? "") ? $"training.{e.Key}"
                : $"space.{e.Key}";
            if (!errors.Any(x => x.Field == field))
            {
                errors.Add(new SpecError(field, parsed.LineOf(field), e.Message));
            }
        }
    }

    /// <summary>The fixed knobs plus the first value of each searched one.</summary>
    private static Dictionary<string, object> Baseline(SearchSpec spec)
    {
        var config = new Dictionary<string, object>(spec.Training, StringComparer.Ordinal);
        foreach (var parameter in spec.Space)
        {
            config[parameter.Name] = Corners(parameter).First();
        }

        return config;
    }

    private static IReadOnlyList<object> Corners(ParameterSpec p) => p.Kind switch
    {
        ParameterKind.Fixed or ParameterKind.Choice => p.Values!,
        ParameterKind.IntRange => [(long)p.Low, (long)p.High],
        _ => [p.Low, p.High],
    };

    private static string UnknownKnob(string name)
    {
        // Per-layer knobs are listed as conv{N}_…; compare against them with this name's own layer number.
        var layer = System.Text.RegularExpressions.Regex.Match(name, @"^[a-z]+(\d+)_").Groups[1].Value;
        var close = Hyperparameters.Knobs.Keys
            .Select(k => layer.Length > 0 ? k.Replace("{N}", layer, StringComparison.Ordinal) : k)
            .Select(k => (Knob: k, Distance: Levenshtein(k, name)))
            .Where(x => x.Distance <= 3)
            .OrderBy(x => x.Distance)
            .Select(x => x.Knob)
            .FirstOrDefault();
        return close is null
            ? $"unknown knob '{name}' (see `hypersearch knobs` for the list)"
            : $"unknown knob '{name}' (did you mean '{close}'?)";
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }
}
