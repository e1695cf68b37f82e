namespace HyperSearch.Specs;

/// <summary>A spec read and checked once: the spec, the check's outcome, the text it came from (kept verbatim, e.g.
/// for a run directory) and the parse's field lines (for errors found later, e.g. by a coordinator).</summary>
public sealed record CheckedSpec(SearchSpec Spec, SpecCheckResult Result)
{
    public required string Source { get; init; }

    public required string Text { get; init; }

    public required SpecParseResult Parsed { get; init; }
}

/// <summary>Reads a spec file and validates it completely — structure, then everything <see cref="SpecAdmission"/>
/// checks (dataset files and contents, knobs, architectures, algorithms, metric, command) — before anything starts.
/// Throws <see cref="SpecException"/> listing every problem.</summary>
public static class SpecLoader
{
    /// <param name="checkData">False when the data lives elsewhere (a cluster's volume): files are not probed and
    /// built-in datasets' known input shapes stand in.</param>
    public static SearchSpec Load(string path, string? dataDirectory = null, bool checkData = true) =>
        LoadChecked(path, dataDirectory, checkData ? DataChecks.Probe : DataChecks.None).Spec;

    /// <summary>Reads (once) and checks a spec file; with <see cref="DataChecks.Load"/> also returns the loaded data
    /// (cached for the trials).</summary>
    public static CheckedSpec LoadChecked(string path, string? dataDirectory, DataChecks data)
    {
        if (!File.Exists(path))
        {
            throw new SpecException(path, [new SpecError("(file)", null, "no such file")]);
        }

        return ParseChecked(File.ReadAllText(path), path, dataDirectory, data);
    }

    public static SearchSpec Parse(string text, string source, string? dataDirectory = null, bool checkData = true) =>
        ParseChecked(text, source, dataDirectory, checkData ? DataChecks.Probe : DataChecks.None).Spec;

    public static CheckedSpec ParseChecked(string text, string source, string? dataDirectory, DataChecks data)
    {
        var parsed = SpecParser.Parse(text);
        if (parsed.Spec is null)
        {
            throw new SpecException(source, parsed.Errors);
        }

        var result = SpecAdmission.Check(parsed.Spec, dataDirectory, data, parsed);
        return result.Valid
            ? new CheckedSpec(parsed.Spec, result) { Source = source, Text = text, Parsed = parsed }
            : throw new SpecException(source, result.Errors);
    }
}
