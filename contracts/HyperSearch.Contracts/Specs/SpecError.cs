namespace HyperSearch.Contracts.Specs;

/// <summary>One problem in a spec: the field (dotted path), the line where YAML gives one, and what is wrong.</summary>
public sealed record SpecError(string Field, int? Line, string Message)
{
    public string Format(string source) =>
        Line is { } line ? $"{source}:{line}: {Field}: {Message}" : $"{source}: {Field}: {Message}";
}

/// <summary>A spec that failed validation; the message lists every problem, one per line.</summary>
public sealed class SpecException(string source, IReadOnlyList<SpecError> errors)
    : Exception(string.Join(Environment.NewLine, errors.Select(e => e.Format(source))))
{
    public string SpecSource { get; } = source;

    public IReadOnlyList<SpecError> Errors { get; } = errors;
}
