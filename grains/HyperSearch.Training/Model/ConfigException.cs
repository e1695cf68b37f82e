namespace HyperSearch.Training;

/// <summary>A hyperparameter value or combination that cannot be trained; <see cref="Key"/> names the knob.</summary>
public sealed class ConfigException(string key, string message) : Exception(message)
{
    public string Key { get; } = key;
}

/// <summary>Describes one knob. Per-layer knobs are listed once with N in the name, e.g. "conv{N}_filters".</summary>
/// <param name="Kind">int, double, string or bool.</param>
public sealed record KnobInfo(string Name, string Kind, string Description, IReadOnlyList<string>? AllowedValues);
