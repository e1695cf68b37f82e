namespace HyperSearch.Grains.Persistence;

/// <summary>The small, frequently written half of a coordinator's storage: its header and every trial that changed
/// since the last snapshot. It only counts when <see cref="SnapshotVersion"/> matches the snapshot's.</summary>
[GenerateSerializer, Alias("HyperSearch.SearchJournal")]
public sealed class SearchJournal
{
    [Id(0)] public int SnapshotVersion { get; set; }

    /// <summary>The serialized <see cref="Search.SearchGrainState"/> without its trial table.</summary>
    [Id(1)] public byte[] Header { get; set; } = [];

    /// <summary>Length-prefixed serialized trials, each replacing (or appending to) the snapshot's.</summary>
    [Id(2)] public byte[] Trials { get; set; } = [];
}
