namespace HyperSearch.Runners;

/// <summary>Finds a command's program the way execvp would, but up front, so "not found" becomes a clear
/// failure reason instead of an exit code from whatever launched it.</summary>
public static class ProgramLocator
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Returns the program's absolute path, or null with <paramref name="problem"/> saying why not.</summary>
    /// <remarks>A name with a slash is relative to the trial's working directory (as it would be for the program
    /// itself); a bare name is looked up on PATH.</remarks>
    public static string? Resolve(string program, string workingDirectory, out string? problem)
    {
        problem = null;
        if (program.Contains('/') || (OperatingSystem.IsWindows() && Path.IsPathRooted(program)))
        {
            var full = Path.GetFullPath(program, workingDirectory);
            if (!File.Exists(full))
            {
                problem = $"program not found: {full}";
                return null;
            }

            if (!IsExecutable(full))
            {
                problem = $"program is not executable: {full} (chmod +x it, or name its interpreter first)";
                return null;
            }

            return full;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        problem = $"program not found on PATH: {program}";
        return null;
    }

    private static bool IsExecutable(string file) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & AnyExecute) != 0;
}
