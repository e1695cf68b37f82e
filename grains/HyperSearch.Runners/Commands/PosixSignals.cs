using System.Runtime.InteropServices;

namespace HyperSearch.Runners;

/// <summary>The one libc call the command runner needs: Process.Kill only sends SIGKILL, and a trial program
/// deserves a SIGTERM first so it can flush a checkpoint.</summary>
internal static class PosixSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/> to a whole process group; false when no process is left in it.</summary>
    public static bool SignalGroup(int processGroup, int signal) => Send(-processGroup, signal);

    /// <summary>Sends <paramref name="signal"/> to one process; false when it no longer exists.</summary>
    public static bool SignalProcess(int pid, int signal) => Send(pid, signal);

    /// <summary>Signal 0 delivers nothing but still reports whether anyone in the group is alive.</summary>
    public static bool GroupExists(int processGroup) => Send(-processGroup, 0);

    private static bool Send(int target, int signal)
    {
        if (kill(target, signal) == 0)
        {
            return true;
        }

        // EPERM means the target exists but is not ours to signal; treat it as present so callers keep waiting.
        return Marshal.GetLastPInvokeError() != NoSuchProcess;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need AllowUnsafeBlocks for this one trivial signature.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}
