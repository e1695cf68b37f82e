using System.Diagnostics;
using System.Text.Json.Nodes;

namespace HyperSearch.Bench.Algorithms;

/// <summary>Runs bench/optuna/run_optuna.py with Debian's Optuna as a subprocess: JSON in on stdin, JSON out on stdout.</summary>
internal static class OptunaPeer
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Starts the peer; the task completes with its parsed output.</summary>
    public static async Task<JsonObject> RunAsync(string script, JsonObject request, CancellationToken cancel = default)
    {
        var start = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
            Environment = { ["PYTHONDONTWRITEBYTECODE"] = "1" },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Python}");
        await process.StandardInput.WriteAsync(request.ToJsonString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}: {(await stderr).Trim()}");
        }

        return JsonNode.Parse(await stdout) as JsonObject ?? throw new InvalidOperationException($"{script} printed no JSON object");
    }

    /// <summary>True when Debian's python3 can import optuna.</summary>
    public static bool Available()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import optuna"]) { RedirectStandardError = true, UseShellExecute = false });
            probe!.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static JsonArray Array<T>(IEnumerable<T> items) => new(items.Select(i => JsonValue.Create(i)).ToArray<JsonNode?>());
}
