using System.ComponentModel;
using System.Runtime.ExceptionServices;

namespace HyperSearch.Runners;

/// <summary>How a command run ended.</summary>
internal enum CommandEnd
{
    /// <summary>The program could not be started at all; see <see cref="CommandResult.StartProblem"/>.</summary>
    NotStarted,
    /// <summary>It exited by itself; see the exit code.</summary>
    Exited,
    /// <summary>The line handler asked to stop, and it was stopped.</summary>
    Stopped,
    Cancelled,
    TimedOut,
}

internal sealed record CommandResult(CommandEnd End, int? ExitCode, string? StartProblem, OutputTail Stderr);

/// <summary>What to run, already resolved.</summary>
internal sealed record CommandInvocation(
    string Program,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan? Timeout,
    TimeSpan StopGrace);

/// <summary>Runs one program to its end, feeding each stdout line to a handler, and stops it (SIGTERM, grace,
/// SIGKILL) when the handler says so, the caller cancels, or the timeout passes.</summary>
internal static class CommandExecution
{
    public const int StderrTailLines = 20;
    public const int StderrTailChars = 2048;

    /// <summary>How long output is drained once the program is gone. Only something that escaped its process
    /// group (or, without setsid, any grandchild) can hold the pipes open longer; it is then abandoned.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

    /// <param name="onLine">Gets every stdout line in order; returns false to stop the program. It is not called
    /// again once the run is ending. If it throws, the program is stopped and the exception rethrown.</param>
    public static async Task<CommandResult> RunAsync(CommandInvocation invocation, Func<string, Task<bool>> onLine, CancellationToken cancellationToken)
    {
        var stderr = new OutputTail(StderrTailLines, StderrTailChars);
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(invocation.Program, invocation.Arguments, invocation.WorkingDirectory, invocation.Environment);
        }
        catch (Exception e) when (e is Win32Exception or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new CommandResult(CommandEnd.NotStarted, null, $"could not start {invocation.Program}: {e.Message}", stderr);
        }

        using (child)
        {
            return await SuperviseAsync(child, invocation, onLine, stderr, cancellationToken);
        }
    }

    private static async Task<CommandResult> SuperviseAsync(
        ChildProcess child, CommandInvocation invocation, Func<string, Task<bool>> onLine, OutputTail stderr, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource();
        // CancelAfter takes at most ~49 days; a longer timeout is no timeout in practice.
        if (invocation.Timeout is { } limit && limit < TimeSpan.FromDays(30))
        {
            timeout.CancelAfter(limit);
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var stdout = new StdoutPump(child.StandardOutput, onLine);
        var stderrDone = PumpStderrAsync(child.StandardError, stderr);
        // In its own group, every writer is dead once the leftovers are killed, so EOF will come: wait for it,
        // however long the handler takes with lines still buffered. Without a group, EOF may never come.
        var drainLimit = child.OwnsGroup ? Timeout.InfiniteTimeSpan : DrainLimit;
        var exitedAndDrained = ExitAndDrainAsync(child, stdout.Completion, drainLimit);
        var cancelled = Task.Delay(Timeout.Infinite, stopping.Token);

        var first = await Task.WhenAny(exitedAndDrained, stdout.StopRequested, cancelled);
        var end = first == cancelled && !stdout.StopRequested.IsCompleted
            ? cancellationToken.IsCancellationRequested ? CommandEnd.Cancelled : CommandEnd.TimedOut
            : stdout.StopRequested.IsCompleted ? CommandEnd.Stopped : CommandEnd.Exited;

        stdout.Discard();
        if (end != CommandEnd.Exited)
        {
            await child.StopAsync(invocation.StopGrace);
        }

        await child.WaitForExitAsync();
        await DrainAsync(stdout.Completion, DrainLimit);
        await DrainAsync(stderrDone, DrainLimit);

        if (stdout.HandlerFailure is { } failure)
        {
            failure.Throw();
        }

        return new CommandResult(end, child.ExitCode, null, stderr);
    }

    private static async Task ExitAndDrainAsync(ChildProcess child, Task stdoutDone, TimeSpan drainLimit)
    {
        await child.WaitForExitAsync();
        child.KillLeftovers();
        await DrainAsync(stdoutDone, drainLimit);
    }

    private static async Task DrainAsync(Task pump, TimeSpan limit)
    {
        try
        {
            await pump.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            // Someone outside the program's group still holds the pipe. Stop waiting for it.
        }
    }

    private static async Task PumpStderrAsync(StreamReader reader, OutputTail tail)
    {
        try
        {
            var lines = new BoundedLineReader(reader, StderrTailChars);
            while (await lines.ReadLineAsync() is { } line)
            {
                tail.Add(line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe went away with the process; the tail keeps what arrived.
        }
    }

    /// <summary>Reads stdout to its end on its own task, so the program never blocks on a full pipe, not even
    /// while it is being stopped.</summary>
    private sealed class StdoutPump
    {
        private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _discard;

        public StdoutPump(StreamReader reader, Func<string, Task<bool>> onLine) =>
            Completion = Task.Run(() => PumpAsync(reader, onLine));

        /// <summary>Completes at end of output.</summary>
        public Task Completion { get; }

        /// <summary>Completes when the handler returned false or threw.</summary>
        public Task StopRequested => _stopRequested.Task;

        public ExceptionDispatchInfo? HandlerFailure { get; private set; }

        /// <summary>From now on lines are read and dropped.</summary>
        public void Discard() => _discard = true;

        private async Task PumpAsync(StreamReader reader, Func<string, Task<bool>> onLine)
        {
            try
            {
                // One character over the limit, so that MetricsLine can tell an over-long line from one that fits.
                var lines = new BoundedLineReader(reader, MetricsLine.MaxChars + 1);
                while (await lines.ReadLineAsync() is { } line)
                {
                    if (_discard)
                    {
                        continue;
                    }

                    bool keepGoing;
                    try
                    {
                        keepGoing = await onLine(line);
                    }
                    catch (Exception e)
                    {
                        HandlerFailure = ExceptionDispatchInfo.Capture(e);
                        keepGoing = false;
                    }

                    if (!keepGoing)
                    {
                        _discard = true;
                        _stopRequested.TrySetResult();
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The pipe went away with the process.
            }
        }
    }
}
