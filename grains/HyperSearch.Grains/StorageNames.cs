namespace HyperSearch.Grains;

public static class StorageNames
{
    /// <summary>Grain storage for coordinators and the search registry.</summary>
    public const string Searches = "hypersearch";
}
