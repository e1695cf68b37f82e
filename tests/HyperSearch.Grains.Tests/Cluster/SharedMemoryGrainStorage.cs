using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>Grain storage outside every silo (one dictionary per test cluster), standing in for Redis in
/// in-process tests: killing a silo loses its activations, never the stored state.</summary>
internal sealed class SharedMemoryGrainStorage(ConcurrentDictionary<string, (byte[] Data, string ETag)> store, Serializer serializer) : IGrainStorage
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
        var key = Key(stateName, grainId);
        var data = serializer.SerializeToArray(grainState.State);
        var etag = Guid.NewGuid().ToString("N");
        store.AddOrUpdate(
            key,
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

    public static void Register(ISiloBuilder silo, string name, ConcurrentDictionary<string, (byte[] Data, string ETag)> store) =>
        silo.Services.AddGrainStorage(name, (services, _) => new SharedMemoryGrainStorage(store, services.GetRequiredService<Serializer>()));
}
