namespace HyperSearch.Grains.Persistence;

/// <summary>Serializes state writes and batches the callers that arrive while one is in flight into the next.</summary>
/// <remarks>A busy coordinator changes state hundreds of times a second; writing for each change would load storage
/// with one write per change. Every caller still gets durability: its task completes after a write that started after
/// its change. With a <paramref name="spacing"/>, consecutive writes start at least that far apart, so the write rate
/// is bounded however busy the grain is and each write carries more changes. Must be used from one logical thread
/// (a grain).</remarks>
internal sealed class GroupCommit(Func<Task> write, TimeSpan spacing = default)
{
    private TaskCompletionSource? _waiting;
    private bool _writing;
    private long _lastStart;

    public Task CommitAsync()
    {
        _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var committed = _waiting.Task;
        if (!_writing)
        {
            _ = DrainAsync();
        }

        return committed;
    }

    private async Task DrainAsync()
    {
        _writing = true;
        try
        {
            while (_waiting is not null)
            {
                var wait = spacing - System.Diagnostics.Stopwatch.GetElapsedTime(_lastStart);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                // Changes made from here on go into the next write.
                var batch = _waiting;
                _waiting = null;
                _lastStart = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    await write();
                    batch.SetResult();
                }
                catch (Exception e)
                {
                    batch.SetException(e);
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }
}
