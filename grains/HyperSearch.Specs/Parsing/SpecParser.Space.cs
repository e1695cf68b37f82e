using YamlDotNet.RepresentationModel;

namespace HyperSearch.Specs;

/// <summary>The training and space sections: fixed knobs, and the searched knobs' domains.</summary>
public sealed partial class SpecParser
{
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
}
