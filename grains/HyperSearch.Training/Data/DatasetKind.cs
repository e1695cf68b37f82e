namespace HyperSearch.Training;

/// <summary>One dataset a spec can name: everything known about it before its files are read.</summary>
/// <param name="Name">The canonical name specs use.</param>
/// <param name="Aliases">Other spellings accepted for it.</param>
/// <param name="Shape">Input shape, classes and split sizes of the published files; null where the files decide
/// (an .npz). Checks made where the files are not (a cluster's data volume) use it.</param>
/// <param name="DefaultPath">Where it lives when a spec gives no path and no data folder holds it.</param>
/// <param name="Folders">The folder names it may have under a data directory (a data volume holds a folder per dataset).</param>
public sealed record DatasetKind(string Name, IReadOnlyList<string> Aliases, DatasetInfo? Shape, string? DefaultPath, IReadOnlyList<string> Folders)
{
    /// <summary>Where a dataset's files are: the spec's path, else its folder under the data directory, else its default.</summary>
    public string? Locate(string? path, string? dataDirectory) =>
        path ?? (dataDirectory is null ? null : Folders.Select(folder => System.IO.Path.Combine(dataDirectory, folder)).FirstOrDefault(Directory.Exists));
}
