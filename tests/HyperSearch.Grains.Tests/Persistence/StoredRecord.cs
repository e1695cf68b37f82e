using Orleans.Serialization;

namespace HyperSearch.Grains.Tests.Persistence;

/// <summary>One storage record as a grain sees it: writes store the state's bytes (as a storage provider would), and
/// <see cref="Reopen"/> reads them back as a new activation does. Can be told to fail its next write.</summary>
internal sealed class StoredRecord<T>(Serializer serializer) : IPersistentState<T>
    where T : class, new()
{
    private byte[]? _stored;

    public T State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists => _stored is not null;

    public int Writes { get; private set; }

    /// <summary>Size of the last record written.</summary>
    public long StoredBytes => _stored?.Length ?? 0;

    public bool FailNextWrite { get; set; }

    /// <summary>A record holding <paramref name="stored"/> (null: none), as a grain activated on it reads it.</summary>
    public static StoredRecord<T> Holding(Serializer serializer, byte[]? stored) => new(serializer)
    {
        _stored = stored,
        State = stored is null ? new T() : serializer.Deserialize<T>(stored) ?? new T(),
    };

    /// <summary>A fresh view of the stored bytes, as a reactivated grain gets.</summary>
    public StoredRecord<T> Reopen() => Holding(serializer, _stored);

    public Task WriteStateAsync()
    {
        if (FailNextWrite)
        {
            FailNextWrite = false;
            return Task.FromException(new IOException("storage unavailable"));
        }

        _stored = serializer.SerializeToArray(State);
        Etag = Guid.NewGuid().ToString("N");
        Writes++;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync(CancellationToken cancellationToken) => WriteStateAsync();

    public Task ReadStateAsync() => Task.CompletedTask;

    public Task ReadStateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ClearStateAsync()
    {
        _stored = null;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync(CancellationToken cancellationToken) => ClearStateAsync();
}
