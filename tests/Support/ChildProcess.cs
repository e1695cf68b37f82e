using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HyperSearch.Tests.Support;

/// <summary>How a program a test ran to its end finished.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public string Describe() =>
        $"`{Command}` exited {ExitCode}\n--- stdout ---\n{Tail(StdOut)}\n--- stderr ---\n{Tail(StdErr)}";

    private static string Tail(string text) => text.Length <= 6000 ? text : "..." + text[^6000..];
}

/// <summary>
/// A process a test started (the CLI, a silo, redis-server, Prometheus, Chromium, a script): the one way the tests
/// run programs. Its stdout and stderr are kept (the last lines of both together for failure messages), every wait
/// has a deadline, and disposing kills it with everything it started.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private const int KeptLines = 400;
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Queue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private Func<string, bool>? _awaitedLine;
    private TaskCompletionSource<string?>? _lineSeen;

    private ChildProcess(string name, string command, Process process)
    {
        Name = name;
        Command = command;
        _process = process;
    }

    public string Name { get; }

    /// <summary>The command line, for messages.</summary>
    public string Command { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>When the last line on stdout came (when it started, before any): how long a program takes to exit
    /// after its last word.</summary>
    public DateTime LastStdOutLineAt { get; private set; } = DateTime.UtcNow;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="args"/>. <paramref name="environment"/> adds
    /// variables to the inherited ones; a null value removes one. <paramref name="stdin"/> is written, then closed.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var command = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}".Trim();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(name, command, process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data, child._stdout, child._stdoutClosed);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data, child._stderr, child._stderrClosed);
        process.Exited += (_, _) => child._exited.TrySetResult();
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {name} ({command})");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return child;
    }

    /// <summary>Runs a program to its end; fails the test when it is still running after <paramref name="timeout"/>
    /// (default 2 minutes), having killed it.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? stdin = null)
    {
        using var child = Start(Path.GetFileName(fileName), fileName, args, workingDirectory, environment, stdin);
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        if (!await child.WaitForExitAsync(limit))
        {
            child.Kill();
            Assert.Fail($"`{child.Command}` did not finish within {limit.TotalSeconds:0} s\n{child.Output()}");
        }

        return new ProcessResult(child.Command, child.ExitCode, child.StdOut, child.StdErr);
    }

    /// <summary><see cref="RunAsync"/> for synchronous tests.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> args, TimeSpan? timeout = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, string? stdin = null) =>
        RunAsync(fileName, args, timeout, workingDirectory, environment, stdin).GetAwaiter().GetResult();

    public string StdOut
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StdErr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The last lines of stdout and stderr together.</summary>
    public IReadOnlyList<string> Lines()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    /// <summary>The kept output, for assertion messages.</summary>
    public string Output()
    {
        lock (_gate)
        {
            var state = _process.HasExited ? $", exited {_process.ExitCode}" : "";
            return $"--- {Name} (pid {_process.Id}{state}), last {_lines.Count} lines ---\n" + string.Join('\n', _lines);
        }
    }

    /// <summary>Waits for the process to exit with its output read to the end; false when it is still running after
    /// <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        var outputDone = Task.WhenAll(_exited.Task, _stdoutClosed.Task, _stderrClosed.Task);
        return await Task.WhenAny(outputDone, Task.Delay(timeout)) == outputDone;
    }

    /// <summary>Waits for the process to exit for as long as it keeps printing: false when stdout stays silent for
    /// <paramref name="quietLimit"/> (a slow machine makes a long run, not a silent one).</summary>
    public async Task<bool> WaitForExitWhileActiveAsync(TimeSpan quietLimit)
    {
        while (!await WaitForExitAsync(TimeSpan.FromSeconds(1)))
        {
            if (DateTime.UtcNow - LastStdOutLineAt > quietLimit)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first line (stdout or stderr, from now or already kept) that <paramref name="match"/> accepts; null
    /// when the process ends without one. Fails the test when none comes within <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        Task<string?> seen;
        lock (_gate)
        {
            if (_lines.FirstOrDefault(match) is { } kept)
            {
                return kept;
            }

            _awaitedLine = match;
            _lineSeen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            seen = _lineSeen.Task;
        }

        var ended = WaitForExitAsync(Timeout.InfiniteTimeSpan);
        var first = await Task.WhenAny(seen, ended, Task.Delay(timeout));
        if (first == seen)
        {
            return await seen;
        }

        if (first == ended)
        {
            return seen.IsCompleted ? await seen : null;
        }

        Assert.Fail($"no matching line from {Name} within {timeout.TotalSeconds:0} s\n{Output()}");
        return null;
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal would.</summary>
    public async Task InterruptAsync()
    {
        var kill = await RunAsync("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(30));
        Assert.True(kill.ExitCode == 0, kill.Describe());
    }

    /// <summary>Kills the process and everything it started (SIGKILL), and waits (bounded) for it to be gone.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started, or already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(string? line, StringBuilder stream, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        TaskCompletionSource<string?>? matched = null;
        lock (_gate)
        {
            if (stream == _stdout)
            {
                LastStdOutLineAt = DateTime.UtcNow;
            }

            stream.AppendLine(line);
            _lines.Enqueue(line);
            while (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }

            if (_awaitedLine is { } match && match(line))
            {
                matched = _lineSeen;
                _awaitedLine = null;
            }
        }

        matched?.TrySetResult(line);
    }
}
