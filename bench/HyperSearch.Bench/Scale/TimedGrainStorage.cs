using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace HyperSearch.Bench.Scale;

/// <summary>Times the writes of the search storage by record: "search" is a coordinator's snapshot, "search-journal"
/// its journal.</summary>
internal sealed class TimedGrainStorage(IGrainStorage inner, ConcurrentDictionary<string, LatencyLog> writes) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await inner.WriteStateAsync(stateName, grainId, grainState);
        writes.GetOrAdd(stateName, _ => new LatencyLog()).Add(System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>Grain storage outside every silo (one dictionary per cluster), so that killing a silo loses its
/// activations, never the stored state: in-memory storage as one process would host it for a whole cluster.</summary>
internal sealed class ProcessMemoryGrainStorage(ConcurrentDictionary<string, (byte[] Data, string ETag)> store, Serializer serializer) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.TryGetValue(Key(stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(entry.Data);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.SerializeToArray(grainState.State);
        var etag = Guid.NewGuid().ToString("N");
        store.AddOrUpdate(
            Key(stateName, grainId),
            _ => grainState.ETag is null ? (data, etag) : throw new InconsistentStateException("record vanished", "", grainState.ETag),
            (_, current) => current.ETag == grainState.ETag ? (data, etag) : throw new InconsistentStateException("etag mismatch", current.ETag, grainState.ETag ?? ""));
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";
}
