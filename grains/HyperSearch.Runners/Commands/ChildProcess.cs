using System.Diagnostics;
using System.Text;

namespace HyperSearch.Runners;

/// <summary>A started trial program. On Linux it runs in a process group of its own (through setsid, which
/// execs in place so the PID stays the program's), so a stop reaches the children it spawned too.</summary>
internal sealed class ChildProcess : IDisposable
{
    private static readonly Lazy<string?> Setsid = new(() =>
        OperatingSystem.IsWindows() ? null : ProgramLocator.Resolve("setsid", "/", out _));

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly Process _process;

    private ChildProcess(Process process, bool ownsGroup)
    {
        _process = process;
        OwnsGroup = ownsGroup;
        Id = process.Id; // kept: Process.Id throws once disposed, and a late leftover-kill may come after that
    }

    /// <summary>Whether the program leads a process group of its own; without setsid only the program itself is signalled.</summary>
    public bool OwnsGroup { get; }

    public int Id { get; }

    public StreamReader StandardOutput => _process.StandardOutput;

    public StreamReader StandardError => _process.StandardError;

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the program; throws what Process.Start throws when it cannot.</summary>
    public static ChildProcess Start(string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var setsid = Setsid.Value;
        var info = new ProcessStartInfo
        {
            FileName = setsid ?? program,
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        if (setsid is not null)
        {
            info.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");

        // A program that reads stdin must see end-of-file, not wait forever on the silo's input.
        process.StandardInput.Close();
        return new ChildProcess(process, ownsGroup: setsid is not null);
    }

    public Task WaitForExitAsync() => _process.WaitForExitAsync(CancellationToken.None);

    /// <summary>SIGTERM to the program (and its group), then SIGKILL to whatever is still alive after
    /// <paramref name="grace"/>. Returns once the program itself has exited.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (OperatingSystem.IsWindows())
        {
            KillTree();
            await WaitForExitAsync();
            return;
        }

        Signal(PosixSignals.SigTerm);
        var deadline = Stopwatch.StartNew();
        // Wait for the whole group, not just the leader: a shell wrapper dies at once while the Python it
        // started is still writing its checkpoint, and that one deserves its grace period too.
        while (deadline.Elapsed < grace && IsAnyoneAlive())
        {
            await Task.Delay(PollInterval);
        }

        if (IsAnyoneAlive())
        {
            KillTree();
        }

        await WaitForExitAsync();
    }

    /// <summary>After a normal exit, SIGKILLs anything the program left behind in its group: a stray background
    /// child would otherwise hold the output pipes open and outlive its trial. (The group's ID cannot be reused
    /// while any member lives, and this runs right after the exit, so it cannot hit a stranger's group.)</summary>
    public void KillLeftovers()
    {
        if (OwnsGroup)
        {
            PosixSignals.SignalGroup(Id, PosixSignals.SigKill);
        }
    }

    public void Dispose() => _process.Dispose();

    private bool IsAnyoneAlive() => !_process.HasExited || (OwnsGroup && PosixSignals.GroupExists(Id));

    private void Signal(int signal)
    {
        // Until setsid has called setsid() the group does not exist yet; the program's own PID is then the target.
        if (OwnsGroup && PosixSignals.SignalGroup(Id, signal))
        {
            return;
        }

        if (!_process.HasExited)
        {
            PosixSignals.SignalProcess(Id, signal);
        }
    }

    private void KillTree()
    {
        if (OwnsGroup && !OperatingSystem.IsWindows())
        {
            Signal(PosixSignals.SigKill);
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill: nothing left to do.
        }
    }
}
