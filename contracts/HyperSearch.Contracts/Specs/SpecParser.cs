using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HyperSearch.Contracts.Specs;

/// <summary>The outcome of parsing: the spec (null when structurally invalid), every error found, and the line of
/// each field so later checks (dataset files, knobs, architectures) can point at the right line too.</summary>
public sealed record SpecParseResult(SearchSpec? Spec, IReadOnlyList<SpecError> Errors, IReadOnlyDictionary<string, int> Lines)
{
    public int? LineOf(string field) => Lines.TryGetValue(field, out var line) ? line : null;
}

/// <summary>Reads a search spec from YAML (JSON is accepted too: it is YAML) and checks its structure and ranges
/// completely, collecting every error instead of stopping at the first.</summary>
public sealed class SpecParser
{
    private static readonly string[] TopLevelKeys = ["name", "dataset", "search", "training", "space", "trainer"];
    private static readonly string[] DatasetKeys = ["name", "path", "validation_fraction", "train_subset", "train_fraction", "split_seed", "allow_distribution_shift"];
    private static readonly string[] SearchKeys = ["sampler", "sampler_options", "scheduler", "scheduler_options", "max_trials", "max_concurrent", "time_budget", "target", "metric", "mode", "max_failed_trials", "seed"];
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

        return new SearchSettings(sampler, samplerOptions, scheduler, schedulerOptions, maxTrials, maxConcurrent, budget, metric, maximize, target, maxFailed, seed);
    }

    private Dictionary<string, object> ParseTraining(YamlNode node)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in Fields(node, "training", null))
        {
            if (Scalar(value, $"training.{key}") is { } scalar)
            {
                result[key] = scalar;
            }
        }

        return result;
    }

    private List<ParameterSpec> ParseSpace(YamlNode node)
    {
        var result = new List<ParameterSpec>();
        foreach (var (name, value) in Fields(node, "space", null))
        {
            if (ParseDomain(name, value) is { } parameter)
            {
                result.Add(parameter);
            }
        }

        return result;
    }

    private ParameterSpec? ParseDomain(string name, YamlNode node)
    {
        var field = $"space.{name}";
        switch (node)
        {
            case YamlScalarNode:
                return Scalar(node, field) is { } fixedValue ? new ParameterSpec(name, ParameterKind.Fixed, [fixedValue], 0, 0, false) : null;
            case YamlSequenceNode:
                return Choice(name, node, field);
        }

        var fields = Fields(node, field, DomainKeys);
        var kinds = fields.Keys.Where(k => k != "log").ToList();
        if (kinds.Count != 1)
        {
            Error(field, Line(field), kinds.Count == 0
                ? "expected one of choice, int, uniform, loguniform or fixed"
                : $"give exactly one of choice, int, uniform, loguniform or fixed, not {string.Join(" and ", kinds)}");
            return null;
        }

        var kind = kinds[0];
        var body = fields[kind];
        var log = fields.TryGetValue("log", out var logNode) && Bool(logNode, $"{field}.log");
        if (log && kind != "int")
        {
            Error($"{field}.log", Line($"{field}.log"), "log applies to int ranges only (use loguniform for reals)");
        }

        switch (kind)
        {
            case "choice":
                return Choice(name, body, $"{field}.choice");
            case "fixed":
                return Scalar(body, $"{field}.fixed") is { } value ? new ParameterSpec(name, ParameterKind.Fixed, [value], 0, 0, false) : null;
        }

        var bounds = Range(body, $"{field}.{kind}", integer: kind == "int");
        if (bounds is not var (low, high))
        {
            return null;
        }

        var rangeField = $"{field}.{kind}";
        if (kind == "int" ? low > high : low >= high)
        {
            Error(rangeField, Line(rangeField), $"low must be {(kind == "int" ? "at most" : "below")} high, got [{Show(low)}, {Show(high)}]");
            return null;
        }

        if ((kind == "loguniform" || log) && low <= 0)
        {
            Error(rangeField, Line(rangeField), $"a log range needs positive bounds, got [{Show(low)}, {Show(high)}]");
            return null;
        }

        var parameterKind = kind switch
        {
            "int" => ParameterKind.IntRange,
            "uniform" => ParameterKind.Uniform,
            _ => ParameterKind.LogUniform,
        };
        return new ParameterSpec(name, parameterKind, null, low, high, log);
    }

    private ParameterSpec? Choice(string name, YamlNode node, string field)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(field, LineOf(node), "expected a list of values, e.g. [32, 64, 128]");
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            Error(field, LineOf(node), "choice is empty: give at least one value");
            return null;
        }

        var values = new List<object>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (Scalar(sequence.Children[i], $"{field}[{i}]") is { } value)
            {
                values.Add(value);
            }
        }

        var duplicates = values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            Error(field, LineOf(node), $"duplicate choice {Show(duplicates[0])}");
        }

        return values.Count == sequence.Children.Count ? new ParameterSpec(name, ParameterKind.Choice, values, 0, 0, false) : null;
    }

    private (double Low, double High)? Range(YamlNode node, string field, bool integer)
    {
        if (node is not YamlSequenceNode { Children.Count: 2 } pair)
        {
            Error(field, LineOf(node), "expected [low, high]");
            return null;
        }

        double? low = integer ? Int(pair.Children[0], $"{field}[0]", 0) : Double(pair.Children[0], $"{field}[0]", double.NaN);
        double? high = integer ? Int(pair.Children[1], $"{field}[1]", 0) : Double(pair.Children[1], $"{field}[1]", double.NaN);
        return low is { } l && high is { } h && !double.IsNaN(l) && !double.IsNaN(h) ? (l, h) : null;
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

    // ---- node helpers -----------------------------------------------------------------------------------

    /// <summary>The mapping's fields by key, recording lines and reporting unknown keys (when a key list is given).</summary>
    private Dictionary<string, YamlNode> Fields(YamlNode node, string path, string[]? allowed)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (node is not YamlMappingNode mapping)
        {
            Error(path, LineOf(node), "expected a mapping (key: value lines)");
            return result;
        }

        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var field = path.Length == 0 ? key : $"{path}.{key}";
            _lines[field] = LineOf(keyNode);
            if (allowed is not null && !allowed.Contains(key))
            {
                Error(field, LineOf(keyNode), $"unknown key '{key}' (expected one of: {string.Join(", ", allowed)})");
                continue;
            }

            if (!result.TryAdd(key, value))
            {
                Error(field, LineOf(keyNode), "given twice");
            }
        }

        return result;
    }

    private Dictionary<string, object> Options(YamlNode node, string path)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in Fields(node, path, null))
        {
            if (Scalar(value, $"{path}.{key}") is { } scalar)
            {
                result[key] = scalar;
            }
        }

        return result;
    }

    /// <summary>A plain scalar typed as YAML 1.2 core would (bool, integer, real); quoted scalars stay strings.</summary>
    private object? Scalar(YamlNode node, string field)
    {
        if (node is not YamlScalarNode scalar)
        {
            Error(field, LineOf(node), "expected a single value (number, string or true/false)");
            return null;
        }

        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            return text;
        }

        if (text is "true" or "True" or "false" or "False")
        {
            return text is "true" or "True";
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return real;
        }

        if (text is "" or "~" or "null")
        {
            Error(field, LineOf(node), "has no value");
            return null;
        }

        return text;
    }

    private string? String(YamlNode node, string field)
    {
        var value = Scalar(node, field);
        if (value is null)
        {
            return null;
        }

        if (value is not string s)
        {
            Error(field, LineOf(node), $"expected text, got {Show(value)}");
            return null;
        }

        return s;
    }

    private int? Int(YamlNode node, string field, int fallback)
    {
        var value = Scalar(node, field);
        switch (value)
        {
            case long l when l is >= int.MinValue and <= int.MaxValue:
                return (int)l;
            case null:
                return fallback;
            default:
                Error(field, LineOf(node), $"expected an integer, got {Show(value)}");
                return null;
        }
    }

    private int Positive(YamlNode node, string field)
    {
        var value = Int(node, field, 1);
        if (value is null)
        {
            return 1;
        }

        if (value <= 0)
        {
            Error(field, LineOf(node), $"must be a positive integer, got {value}");
            return 1;
        }

        return value.Value;
    }

    private double Double(YamlNode node, string field, double fallback)
    {
        var value = Scalar(node, field);
        switch (value)
        {
            case long l:
                return l;
            case double d:
                return d;
            case null:
                return fallback;
            default:
                Error(field, LineOf(node), $"expected a number, got {Show(value)}");
                return fallback;
        }
    }

    private bool Bool(YamlNode node, string field)
    {
        var value = Scalar(node, field);
        if (value is bool b)
        {
            return b;
        }

        Error(field, LineOf(node), $"expected true or false, got {Show(value)}");
        return false;
    }

    private TimeSpan? Duration(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: { } text } && Durations.TryParse(text, out var duration))
        {
            return duration;
        }

        Error(field, LineOf(node), $"expected a positive duration such as 90s, 20m or 1h30m, got '{(node as YamlScalarNode)?.Value}'");
        return null;
    }

    private T? Missing<T>(string field, YamlNode parent)
    {
        Error(field, LineOf(parent), "is required");
        return default;
    }

    private int? Line(string field) => _lines.TryGetValue(field, out var line) ? line : null;

    private static int LineOf(YamlNode node) => (int)node.Start.Line;

    private void Error(string field, int? line, string message) => _errors.Add(new SpecError(field, line, message));

    private static string Show(object? value) => value switch
    {
        null => "nothing",
        string s => $"'{s}'",
        bool b => b ? "true" : "false",
        double d => d.ToString("G", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
