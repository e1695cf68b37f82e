namespace HyperSearch.Specs;

/// <summary>The outcome of parsing: the spec (null when structurally invalid), every error found, and the line of
/// each field so later checks (dataset files, knobs, architectures) can point at the right line too.</summary>
public sealed record SpecParseResult(SearchSpec? Spec, IReadOnlyList<SpecError> Errors, IReadOnlyDictionary<string, int> Lines)
{
    public int? LineOf(string field) => Lines.TryGetValue(field, out var line) ? line : null;
}
