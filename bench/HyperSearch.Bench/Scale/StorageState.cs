using Orleans.Storage;

namespace HyperSearch.Bench.Scale;

/// <summary>One storage record of one grain, read and written directly (as the grain's persistent state would),
/// to seed a coordinator's records; with no storage, writes go nowhere (for measuring memory alone).</summary>
internal sealed class StorageState<T>(IGrainStorage? storage, string name, GrainId grain) : IPersistentState<T>, IGrainState<T>
    where T : new()
{
    public T State { get; set; } = new();

    [System.Diagnostics.CodeAnalysis.AllowNull]
    T IGrainState<T>.State
    {
        get => State;
        set => State = value ?? new T();
    }

    public string? Etag { get; set; }

    public bool RecordExists { get; set; }

    public string? ETag
    {
        get => Etag;
        set => Etag = value;
    }

    public Task ReadStateAsync() => storage?.ReadStateAsync(name, grain, this) ?? Task.CompletedTask;

    public Task WriteStateAsync() => storage?.WriteStateAsync(name, grain, this) ?? Task.CompletedTask;

    public Task ClearStateAsync() => storage?.ClearStateAsync(name, grain, this) ?? Task.CompletedTask;
}
