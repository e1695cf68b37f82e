using HyperSearch.Contracts.Specs;
using HyperSearch.Silo.Runners;
using HyperSearch.Training;

namespace HyperSearch.Silo.Specs;

/// <summary>Reads a spec file and validates it completely — structure, then the environment (dataset files, knobs,
/// architectures, algorithms) — before anything starts. Throws <see cref="SpecException"/> listing every problem.</summary>
public static class SpecLoader
{
    /// <param name="checkData">False when the data lives elsewhere (a cluster's volume): files are not probed and
    /// built-in datasets' known input shapes stand in.</param>
    public static SearchSpec Load(string path, string? dataDirectory = null, bool checkData = true)
    {
        if (!File.Exists(path))
        {
            throw new SpecException(path, [new SpecError("(file)", null, "no such file")]);
        }

        return Parse(File.ReadAllText(path), path, dataDirectory, checkData);
    }

    /// <summary>Loads (and caches) the dataset the trials will use, so preprocessing problems — splits that disagree in
    /// scale — are reported before any trial starts.</summary>
    public static void Preflight(SearchSpec spec, string source, string? dataDirectory)
    {
        try
        {
            DatasetCatalog.Load(TorchTrialRunner.DatasetOptionsFor(spec.Dataset, dataDirectory));
        }
        catch (DatasetException e)
        {
            throw new SpecException(source, [new SpecError("dataset", null, e.Message)]);
        }
    }

    public static SearchSpec Parse(string text, string source, string? dataDirectory = null, bool checkData = true)
    {
        var parsed = SpecParser.Parse(text);
        if (parsed.Spec is null)
        {
            throw new SpecException(source, parsed.Errors);
        }

        var errors = SpecChecker.Check(parsed.Spec, parsed, dataDirectory, checkData);
        return errors.Count == 0 ? parsed.Spec : throw new SpecException(source, errors);
    }
}
