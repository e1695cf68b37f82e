using System.Collections.Concurrent;

namespace HyperSearch.Runners;

/// <summary>Dedicated threads for trial work that blocks (a training loop, a sleep): never the Orleans scheduler or
/// the thread pool, and, unlike a new thread per trial, reused, so a search of many short trials does not pay for a
/// thread's creation and teardown each time. Threads left idle for <see cref="IdleTimeout"/> exit.</summary>
public static class TrainingThreads
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    private static readonly ConcurrentStack<Worker> Idle = new();

    /// <summary>Runs <paramref name="work"/> on an idle dedicated thread, or a new one.</summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        // Continuations run inline on the finishing thread: the awaiting grain posts itself to its own scheduler anyway,
        // so an extra hop through the thread pool would only add latency between trials.
        var completion = new TaskCompletionSource<T>();
        void Job()
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        }

        while (Idle.TryPop(out var idle))
        {
            if (idle.TryAssign(Job))
            {
                return completion.Task;
            }
        }

        Worker.Start(Job);
        return completion.Task;
    }

    private sealed class Worker
    {
        private const int Busy = 0, Waiting = 1, Retired = 2;
        private readonly SemaphoreSlim _signal = new(0);
        private Action? _job;
        private int _state = Busy;

        private Worker(Action job) => _job = job;

        public static void Start(Action job)
        {
            var worker = new Worker(job);
            new Thread(worker.Loop) { IsBackground = true, Name = "HyperSearch trial" }.Start();
        }

        public bool TryAssign(Action job)
        {
            if (Interlocked.CompareExchange(ref _state, Busy, Waiting) != Waiting)
            {
                return false; // it retired meanwhile
            }

            _job = job;
            _signal.Release();
            return true;
        }

        private void Loop()
        {
            while (true)
            {
                var job = Interlocked.Exchange(ref _job, null);
                job?.Invoke();
                Volatile.Write(ref _state, Waiting);
                Idle.Push(this);
                if (_signal.Wait(IdleTimeout))
                {
                    continue;
                }

                if (Interlocked.CompareExchange(ref _state, Retired, Waiting) == Waiting)
                {
                    _signal.Dispose();
                    return;
                }

                // Assigned just as the wait timed out: take the permit that comes with the job.
                _signal.Wait();
            }
        }
    }
}
