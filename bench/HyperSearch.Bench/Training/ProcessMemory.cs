namespace HyperSearch.Bench.Training;

internal static class ProcessMemory
{
    /// <summary>Resident set size in MiB, from /proc/self/status (VmRSS) where available.</summary>
    public static double ResidentMiB()
    {
        const string path = "/proc/self/status";
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.WorkingSet64 / (1024.0 * 1024.0);
    }
}
