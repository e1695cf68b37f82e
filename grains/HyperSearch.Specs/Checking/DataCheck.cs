namespace HyperSearch.Specs;

/// <summary>The data a built-in-trainer spec names, checked at the level asked for and read once: a probe reads the
/// files' headers; a load decodes, splits and scale-checks the data (cached for the trials) and its shape serves the
/// architecture check, so nothing is probed first.</summary>
internal static class DataCheck
{
    /// <returns>The input shape for the architecture check (null when unknown), and the loaded data.</returns>
    public static (DatasetInfo? Input, PreparedDataset? Loaded) Check(SearchSpec spec, SpecParseResult parsed, string? dataDirectory, DataChecks level, List<SpecError> errors)
    {
        var dataset = spec.Dataset;
        if (level == DataChecks.None)
        {
            return (DatasetCatalog.Find(dataset.Name)?.Shape, null);
        }

        if (!DatasetCatalog.Names.Contains(dataset.Name))
        {
            errors.Add(new SpecError("dataset.name", parsed.LineOf("dataset.name") ?? parsed.LineOf("dataset"),
                $"unknown dataset '{dataset.Name}' (expected one of: {string.Join(", ", DatasetCatalog.Names)})"));
            return (null, null);
        }

        var options = DatasetLocation.OptionsFor(dataset, dataDirectory);
        try
        {
            if (level == DataChecks.Probe)
            {
                return (DatasetCatalog.Probe(options), null);
            }

            var loaded = DatasetCatalog.Load(options);
            return (loaded.Info, loaded);
        }
        catch (DatasetException e)
        {
            var field = e is PreprocessingMismatchException ? "dataset" : dataset.Path is null ? "dataset.name" : "dataset.path";
            errors.Add(new SpecError(field, parsed.LineOf(field) ?? parsed.LineOf("dataset"), e.Message));
        }

        // Data that decodes but is refused (splits that disagree in scale, bad labels) still has a shape to check the
        // architecture against, so one run reports both; the headers are all that is read again.
        try
        {
            return level == DataChecks.Load ? (DatasetCatalog.Probe(options), null) : (null, null);
        }
        catch (DatasetException)
        {
            return (null, null);
        }
    }
}
