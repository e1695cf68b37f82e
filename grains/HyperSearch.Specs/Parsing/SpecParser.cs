using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HyperSearch.Specs;

/// <summary>Reads a search spec from YAML (JSON is accepted too: it is YAML) and checks its structure and ranges
/// completely, collecting every error instead of stopping at the first.</summary>
public sealed partial class SpecParser
{
    private static readonly string[] TopLevelKeys = ["name", "dataset", "search", "training", "space", "trainer"];
    private static readonly string[] DatasetKeys = ["name", "path", "validation_fraction", "train_subset", "train_fraction", "split_seed", "allow_distribution_shift"];
    private static readonly string[] SearchKeys = ["sampler", "sampler_options", "scheduler", "scheduler_options", "max_trials", "max_concurrent", "time_budget", "target", "metric", "mode", "max_failed_trials", "seed", "objectives"];
    private static readonly string[] TargetKeys = ["metric", "value"];
    private static readonly string[] TrainerKeys = ["command", "timeout", "working_directory", "stop_grace_period"];
    private static readonly string[] DomainKeys = ["choice", "int", "uniform", "loguniform", "fixed", "log"];

    private readonly List<SpecError> _errors = [];
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private SpecParser()
    {
    }

    public static SpecParseResult Parse(string text)
    {
        var parser = new SpecParser();
        var spec = parser.ParseDocument(text);
        return new SpecParseResult(parser._errors.Count == 0 ? spec : null, parser._errors, parser._lines);
    }

    private SearchSpec? ParseDocument(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            Error("(document)", (int)e.Start.Line, $"not valid YAML/JSON: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or IndexOutOfRangeException or NullReferenceException)
        {
            // YamlDotNet fails this way on some broken flow collections (an unclosed '[' followed by another key).
            var line = UnclosedBracketLine(text);
            Error("(document)", line ?? 1, line is null
                ? $"not valid YAML/JSON: {e.Message}"
                : $"not valid YAML/JSON: a '[' or '{{' opened on line {line} is never closed");
            return null;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            Error("(document)", 1, "expected a mapping with keys dataset, search, training, space");
            return null;
        }

        var top = Fields(root, "", TopLevelKeys);
        var name = top.TryGetValue("name", out var nameNode) ? String(nameNode, "name") ?? "search" : "search";
        var dataset = top.TryGetValue("dataset", out var datasetNode) ? ParseDataset(datasetNode) : Missing<DatasetSpec>("dataset", root);
        var search = ParseSearch(top.GetValueOrDefault("search"));
        var training = top.TryGetValue("training", out var trainingNode) ? ParseTraining(trainingNode) : new Dictionary<string, object>();
        var space = top.TryGetValue("space", out var spaceNode) ? ParseSpace(spaceNode) : [];
        var trainer = top.TryGetValue("trainer", out var trainerNode) ? ParseTrainer(trainerNode) : TrainerSpec.BuiltIn;
        if (search is not null)
        {
            CheckObjectives(search, trainer, _lines.ContainsKey("search.metric") || _lines.ContainsKey("search.mode"));
        }

        foreach (var duplicate in space.Select(p => p.Name).Where(training.ContainsKey))
        {
            Error($"space.{duplicate}", Line($"space.{duplicate}"), "is also fixed under training; give it in one place");
        }

        if (search is not null && search.Sampler == "grid" && !search.SamplerOptions.ContainsKey("grid_points") && space.Any(p => p.Kind is ParameterKind.Uniform or ParameterKind.LogUniform))
        {
            var continuous = space.First(p => p.Kind is ParameterKind.Uniform or ParameterKind.LogUniform).Name;
            Error($"space.{continuous}", Line($"space.{continuous}"), "grid search needs finite domains (choice, int or fixed); use sampler random or tpe for continuous ranges, or set search.sampler_options.grid_points");
        }

        return dataset is null || search is null || trainer is null ? null : new SearchSpec(name, dataset, search, training, space, trainer);
    }

    /// <summary>The line of the first flow bracket ('[' or '{') left open at the end of its line's key, outside quotes.</summary>
    private static int? UnclosedBracketLine(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var depth = 0;
            char? quote = null;
            foreach (var c in lines[i])
            {
                if (quote is not null)
                {
                    quote = c == quote ? null : quote;
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c == '#')
                {
                    break;
                }
                else
                {
                    depth += c is '[' or '{' ? 1 : c is ']' or '}' ? -1 : 0;
                }
            }

            // A flow collection may span lines, but the next line starting a new key means it never closed.
            if (depth > 0 && (i + 1 >= lines.Length || System.Text.RegularExpressions.Regex.IsMatch(lines[i + 1], @"^\s*[A-Za-z_][\w-]*\s*:")))
            {
                return i + 1;
            }
        }

        return null;
    }

    private DatasetSpec? ParseDataset(YamlNode node)
    {
        if (node is YamlScalarNode scalar)
        {
            // Shorthand: `dataset: fashion-mnist`.
            return new DatasetSpec(scalar.Value ?? "", null, 0.1, null, null, 0);
        }

        var fields = Fields(node, "dataset", DatasetKeys);
        if (fields.Count == 0 && node is not YamlMappingNode)
        {
            return null;
        }

        var name = fields.TryGetValue("name", out var n) ? String(n, "dataset.name") : Missing<string>("dataset.name", node);
        var path = fields.TryGetValue("path", out var p) ? String(p, "dataset.path") : null;
        var validation = fields.TryGetValue("validation_fraction", out var v) ? Double(v, "dataset.validation_fraction", 0.1) : 0.1;
        if (validation is <= 0 or >= 1)
        {
            Error("dataset.validation_fraction", Line("dataset.validation_fraction"), $"must be in (0, 1), got {validation}");
        }

        int? subset = fields.TryGetValue("train_subset", out var s) ? Int(s, "dataset.train_subset", 1) : null;
        if (subset is <= 0)
        {
            Error("dataset.train_subset", Line("dataset.train_subset"), $"must be a positive number of images, got {subset}");
        }

        double? fraction = fields.TryGetValue("train_fraction", out var f) ? Double(f, "dataset.train_fraction", 1) : null;
        if (fraction is <= 0 or > 1)
        {
            Error("dataset.train_fraction", Line("dataset.train_fraction"), $"must be in (0, 1], got {fraction}");
        }

        var seed = fields.TryGetValue("split_seed", out var ss) ? Int(ss, "dataset.split_seed", 0) ?? 0 : 0;
        var allowShift = fields.TryGetValue("allow_distribution_shift", out var shift) && Bool(shift, "dataset.allow_distribution_shift");
        return name is null ? null : new DatasetSpec(name, path, validation, subset, fraction, seed, allowShift);
    }

    private SearchSettings? ParseSearch(YamlNode? node)
    {
        var fields = node is null ? [] : Fields(node, "search", SearchKeys);
        var sampler = fields.TryGetValue("sampler", out var sa) ? String(sa, "search.sampler") ?? "random" : "random";
        var scheduler = fields.TryGetValue("scheduler", out var sc) ? String(sc, "search.scheduler") ?? "none" : "none";
        var samplerOptions = fields.TryGetValue("sampler_options", out var so) ? Options(so, "search.sampler_options") : new Dictionary<string, object>();
        var schedulerOptions = fields.TryGetValue("scheduler_options", out var sco) ? Options(sco, "search.scheduler_options") : new Dictionary<string, object>();
        var maxTrials = fields.TryGetValue("max_trials", out var mt) ? Positive(mt, "search.max_trials") : 10;
        var maxConcurrent = fields.TryGetValue("max_concurrent", out var mc) ? Positive(mc, "search.max_concurrent") : 1;
        var maxFailed = fields.TryGetValue("max_failed_trials", out var mf) ? Int(mf, "search.max_failed_trials", 0) ?? 0 : 3;
        if (maxFailed < 0)
        {
            Error("search.max_failed_trials", Line("search.max_failed_trials"), $"must be 0 or more, got {maxFailed}");
        }

        var seed = fields.TryGetValue("seed", out var se) ? Int(se, "search.seed", 0) ?? 0 : 0;
        TimeSpan? budget = fields.TryGetValue("time_budget", out var tb) ? Duration(tb, "search.time_budget") : null;

        var metric = fields.TryGetValue("metric", out var me) ? String(me, "search.metric") ?? "val_accuracy" : "val_accuracy";
        double? target = null;
        if (fields.TryGetValue("target", out var tg))
        {
            if (tg is YamlScalarNode)
            {
                target = Double(tg, "search.target", 0);
            }
            else
            {
                var t = Fields(tg, "search.target", TargetKeys);
                metric = t.TryGetValue("metric", out var tm) ? String(tm, "search.target.metric") ?? metric : metric;
                target = t.TryGetValue("value", out var tv) ? Double(tv, "search.target.value", 0) : Missing<double?>("search.target.value", tg);
            }
        }

        var maximize = !metric.EndsWith("loss", StringComparison.Ordinal);
        if (fields.TryGetValue("mode", out var mo))
        {
            switch (String(mo, "search.mode"))
            {
                case "max":
                    maximize = true;
                    break;
                case "min":
                    maximize = false;
                    break;
                case { } other:
                    Error("search.mode", Line("search.mode"), $"must be max or min, got '{other}'");
                    break;
            }
        }

        var objectives = fields.TryGetValue("objectives", out var ob) ? ParseObjectives(ob) : null;
        if (objectives is { Count: > 0 })
        {
            // The first objective is the metric: the target, the winner and every single-objective view use it.
            (metric, maximize) = (objectives[0].Metric, objectives[0].Maximize);
        }

        return new SearchSettings(sampler, samplerOptions, scheduler, schedulerOptions, maxTrials, maxConcurrent, budget, metric, maximize, target, maxFailed, seed, objectives);
    }

    private TrainerSpec? ParseTrainer(YamlNode node)
    {
        var fields = Fields(node, "trainer", TrainerKeys);
        List<string>? command = null;
        if (fields.TryGetValue("command", out var c))
        {
            if (c is YamlSequenceNode { Children.Count: > 0 } list && list.Children.All(x => x is YamlScalarNode))
            {
                command = list.Children.Select(x => ((YamlScalarNode)x).Value ?? "").ToList();
            }
            else
            {
                Error("trainer.command", LineOf(c), "expected a non-empty list: the program and its arguments, e.g. [python3, train.py]");
            }
        }

        var timeout = fields.TryGetValue("timeout", out var t) ? Duration(t, "trainer.timeout") : null;
        var grace = fields.TryGetValue("stop_grace_period", out var g) ? Duration(g, "trainer.stop_grace_period") : null;
        var workingDirectory = fields.TryGetValue("working_directory", out var w) ? String(w, "trainer.working_directory") : null;
        return new TrainerSpec(command, timeout, workingDirectory, grace ?? TrainerSpec.BuiltIn.StopGracePeriod);
    }
}
