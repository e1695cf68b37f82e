namespace HyperSearch.Grains.Persistence;

/// <summary>Serializes state writes and batches the callers that arrive while one is in flight into the next.</summary>
/// <remarks>A busy coordinator changes state hundreds of times a second; writing the whole trial table for each
/// change would be quadratic. Every caller still gets durability: its task completes after a write that
/// started after its change. Must be used from one logical thread (a grain).</remarks>
internal sealed class GroupCommit(Func<Task> write)
{
    private TaskCompletionSource? _waiting;
    private bool _writing;

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
            while (_waiting is { } batch)
            {
                // Changes made from here on go into the next write.
                _waiting = null;
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
