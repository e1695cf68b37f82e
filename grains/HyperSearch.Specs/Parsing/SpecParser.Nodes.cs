using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HyperSearch.Specs;

/// <summary>Node helpers: typed scalars, mappings with their lines, and located errors.</summary>
public sealed partial class SpecParser
{
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
