namespace HyperSearch.Grains.Persistence;

/// <summary>Serializes state writes and batches the callers that arrive while one is in flight into the next.</summary>
/// <remarks>A busy coordinator changes state hundreds of times a second; writing for each change would load storage
/// with one write per change. Every caller still gets durability: its task completes after a write that started after
/// its change. With a <paramref name="spacing"/>, consecutive writes start at least that far apart, so the write rate
/// is bounded however busy the grain is and each write carries more changes. Changes nobody waits for (not
/// <c>urgent</c>) wait for the longer <paramref name="lazySpacing"/>, unless an urgent one joins them. Must be used from
/// one logical thread (a grain).</remarks>
internal sealed class GroupCommit(Func<Task> write, TimeSpan spacing = default, TimeSpan lazySpacing = default)
{
    private TaskCompletionSource? _waiting;
    private TaskCompletionSource? _hurry;
    private bool _urgent;
    private bool _writing;
    private long _lastStart;

    /// <param name="urgent">Whether a caller waits for this write (false: it is only observed).</param>
    public Task CommitAsync(bool urgent = true)
    {
        _waiting ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (urgent)
        {
            _urgent = true;
            _hurry?.TrySetResult();
        }

        var committed = _waiting.Task;
        if (!_writing)
        {
            _ = DrainAsync();
        }

        return committed;
    }

    private TimeSpan SinceLastStart => System.Diagnostics.Stopwatch.GetElapsedTime(_lastStart);

    private async Task DrainAsync()
    {
        _writing = true;
        try
        {
            while (_waiting is not null)
            {
                var lazyWait = (lazySpacing > spacing ? lazySpacing : spacing) - SinceLastStart;
                if (!_urgent && lazyWait > TimeSpan.Zero)
                {
                    // Cut short when an urgent change joins; it then waits out the short spacing only.
                    _hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    await Task.WhenAny(Task.Delay(lazyWait), _hurry.Task);
                    _hurry = null;
                }

                var wait = spacing - SinceLastStart;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                // Changes made from here on go into the next write.
                var batch = _waiting;
                _waiting = null;
                _urgent = false;
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
