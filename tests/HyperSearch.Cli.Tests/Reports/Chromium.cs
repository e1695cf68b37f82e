namespace HyperSearch.Cli.Tests.Reports;

/// <summary>Headless Chromium from Debian's chromium package (scripts/install-deps.sh installs it), run with no network.</summary>
internal static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public static string Require() =>
        Candidates.FirstOrDefault(File.Exists)
        ?? throw new Xunit.Sdk.XunitException($"Chromium is missing (looked for {string.Join(", ", Candidates)}): run `apt-get install -y chromium` (scripts/install-deps.sh does)");

    /// <summary>Runs headless Chromium on <paramref name="url"/> with extra arguments; returns (exit code, stdout, stderr).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string url, params string[] arguments)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"hs-chromium-{Guid.NewGuid():N}");
        string[] options =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync", "--no-first-run",
            "--no-default-browser-check", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile}", "--virtual-time-budget=5000",
        ];
        try
        {
            var result = await ChildProcess.RunAsync(Require(), [.. options, .. arguments, url], TimeSpan.FromSeconds(60));
            return (result.ExitCode, result.StdOut, result.StdErr);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Console messages at error level and uncaught exceptions in Chromium's log.</summary>
    public static IReadOnlyList<string> ConsoleErrors(string stderr) =>
        stderr.Split('\n')
            .Where(l => l.Contains("CONSOLE", StringComparison.Ordinal)
                        && (l.Contains("Uncaught", StringComparison.Ordinal) || l.Contains("Error", StringComparison.OrdinalIgnoreCase)))
            .ToList();
}
