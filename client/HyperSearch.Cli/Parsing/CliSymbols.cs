using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace HyperSearch.Cli.Parsing;

/// <summary>Options and arguments made one way for every command, so that bad input reads the same everywhere:
/// a missing value, a non-integer or an option given twice is named with the option it concerns.</summary>
internal static class CliSymbols
{
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>An option with one value. A following --option is never taken as the value: `--run-dir --json`
    /// is a missing value, as the hand-written parser this replaced also said.</summary>
    public static Option<string?> Text(string name, string valueName, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = valueName, CustomParser = result => ValueOf(result, name) };

    /// <summary>An option that may be given several times (--gateway a --gateway b), one value each time.</summary>
    public static Option<string[]> Repeated(string name, string valueName, string description) =>
        new(name)
        {
            Description = description,
            HelpName = valueName,
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result => result.Tokens.Select(token => RefuseOptionAsValue(result, name, token.Value)).ToArray(),
        };

    public static Option<int?> Integer(string name, int min, string valueName, string description) =>
        new(name)
        {
            Description = description,
            HelpName = valueName,
            CustomParser = result =>
            {
                var text = ValueOf(result, name);
                if (text is null)
                {
                    return null;
                }

                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min)
                {
                    return value;
                }

                result.AddError($"{name} must be an integer ≥ {min}, got '{text}'");
                return null;
            },
        };

    /// <summary>A required positional; its description completes the "missing NAME (...)" error.</summary>
    public static Argument<string> Required(string name, string description) => new(name) { Description = description };

    private static string? ValueOf(ArgumentResult result, string name)
    {
        if (result.Tokens.Count == 0)
        {
            result.AddError(ParseErrors.NeedsValue(name));
            return null;
        }

        return RefuseOptionAsValue(result, name, result.Tokens[^1].Value);
    }

    private static string RefuseOptionAsValue(ArgumentResult result, string name, string value)
    {
        if (value.StartsWith("--", StringComparison.Ordinal))
        {
            result.AddError(ParseErrors.NeedsValue(name));
        }

        return value;
    }
}
