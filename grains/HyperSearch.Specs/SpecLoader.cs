
namespace HyperSearch.Specs;

/// <summary>Reads a spec file and validates it completely — structure, then everything <see cref="SpecAdmission"/>
/// checks (dataset files and contents, knobs, architectures, algorithms, metric, command) — before anything starts.
/// Throws <see cref="SpecException"/> listing every problem.</summary>
public static class SpecLoader
{
    /// <param name="checkData">False when the data lives elsewhere (a cluster's volume): files are not probed and
    /// built-in datasets' known input shapes stand in.</param>
    public static SearchSpec Load(string path, string? dataDirectory = null, bool checkData = true) =>
        LoadChecked(path, dataDirectory, checkData ? DataChecks.Probe : DataChecks.None).Spec;

    /// <summary>Reads and checks a spec file; with <see cref="DataChecks.Load"/> also returns the loaded data (cached for the trials).</summary>
    public static (SearchSpec Spec, SpecCheckResult Result) LoadChecked(string path, string? dataDirectory, DataChecks data)
    {
        if (!File.Exists(path))
        {
            throw new SpecException(path, [new SpecError("(file)", null, "no such file")]);
        }

        return ParseChecked(File.ReadAllText(path), path, dataDirectory, data);
    }

    /// <summary>Loads (and caches) the dataset the trials will use, so data problems — splits that disagree in
    /// scale, bad labels — are reported before any trial starts.</summary>
    public static PreparedDataset Preflight(SearchSpec spec, string source, string? dataDirectory)
    {
        var result = SpecAdmission.Check(spec, dataDirectory, DataChecks.Load);
        return result.Valid && result.Data is not null ? result.Data : throw new SpecException(source, result.Errors);
    }

    public static SearchSpec Parse(string text, string source, string? dataDirectory = null, bool checkData = true) =>
        ParseChecked(text, source, dataDirectory, checkData ? DataChecks.Probe : DataChecks.None).Spec;

    public static (SearchSpec Spec, SpecCheckResult Result) ParseChecked(string text, string source, string? dataDirectory, DataChecks data)
    {
        var parsed = SpecParser.Parse(text);
        if (parsed.Spec is null)
        {
            throw new SpecException(source, parsed.Errors);
        }

        var result = SpecAdmission.Check(parsed.Spec, dataDirectory, data, parsed);
        return result.Valid ? (parsed.Spec, result) : throw new SpecException(source, result.Errors);
    }
}
