namespace HyperSearch.Runners;

/// <summary>The programs command trials may run in cluster mode; the coordinator's admission and the router of the
/// silo that would run the trial refuse others with the same message.</summary>
public static class CommandAllowList
{
    /// <summary>The silo setting that lists them (absolute paths).</summary>
    public const string Setting = "HyperSearch:Security:CommandAllowList";

    public static string Refusal(string program, IReadOnlyCollection<string> allowList) =>
        allowList.Count == 0
            ? $"command trials are off in this cluster: program '{program}' is not allow-listed (silo setting {Setting}, absolute paths; it is empty)"
            : $"program '{program}' is not allow-listed in this cluster (silo setting {Setting}: {string.Join(", ", allowList)})";
}
