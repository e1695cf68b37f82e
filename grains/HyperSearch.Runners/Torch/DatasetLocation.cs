using HyperSearch.Training;

namespace HyperSearch.Runners;

/// <summary>Turns a spec's dataset into the options the built-in trainer loads: the spec's path, else the dataset's
/// folder under the data directory (<see cref="DatasetKind.Folders"/>), else the dataset's default location.</summary>
public static class DatasetLocation
{
    public static DatasetOptions OptionsFor(DatasetSpec spec, string? dataDirectory)
    {
        var path = DatasetCatalog.Resolve(spec.Name) is { } kind ? kind.Locate(spec.Path, dataDirectory) : spec.Path;
        return new DatasetOptions(spec.Name, path, spec.ValidationFraction, spec.TrainSubset, spec.TrainSubsetFraction, spec.SplitSeed, spec.AllowDistributionShift);
    }
}
