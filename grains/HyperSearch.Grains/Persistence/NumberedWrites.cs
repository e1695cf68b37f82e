namespace HyperSearch.Grains.Persistence;

/// <summary>Numbers a coordinator activation's changes and writes them group-committed, so it can tell a slot which of
/// them are stored (see <see cref="CompletionReceipt"/>). Used from one grain's turns only.</summary>
internal sealed class NumberedWrites
{
    private readonly Func<Task> _write;
    private readonly GroupCommit _commit;
    private long _changes;

    public NumberedWrites(Func<Task> write, TimeSpan spacing, TimeSpan lazySpacing)
    {
        _write = write;
        _commit = new GroupCommit(WriteAsync, spacing, lazySpacing);
    }

    /// <summary>Every change up to this number is in storage.</summary>
    public long StoredThrough { get; private set; }

    /// <summary>Numbers a change and schedules the write that covers it; the task completes once it is stored.</summary>
    /// <param name="urgent">Whether the caller waits for the write (false: the lazy spacing applies).</param>
    public (long Sequence, Task Stored) Record(bool urgent)
    {
        var sequence = ++_changes;
        return (sequence, _commit.CommitAsync(urgent));
    }

    /// <summary>Writes without numbering a change (activation, where nothing was handed out yet).</summary>
    public Task CommitAsync() => _commit.CommitAsync();

    private async Task WriteAsync()
    {
        // The store encodes before its first await, so this write covers every change numbered so far.
        var covered = _changes;
        await _write();
        StoredThrough = Math.Max(StoredThrough, covered);
    }
}
