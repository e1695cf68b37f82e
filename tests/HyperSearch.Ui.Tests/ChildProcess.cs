using System.Diagnostics;
using System.Text;
using HyperSearch.Silo.Hosting;

namespace HyperSearch.Ui.Tests;

/// <summary>A real process of this build (the silo or the CLI) with its output captured; disposing kills it.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process) => _process = process;

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperSearch.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("HyperSearch.sln not found above the test output");
        }
    }

    /// <summary>The silo executable built next to this test (silo/HyperSearch.Silo/bin/CONFIG/TFM).</summary>
    public static string SiloDll
    {
        get
        {
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var dll = Path.Combine(RepoRoot, "silo", "HyperSearch.Silo", "bin", baseDir.Parent!.Name, baseDir.Name, "HyperSearch.Silo.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build this test project (it builds the silo) first");
            return dll;
        }
    }

    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "hypersearch.dll");

    public static int FreePort() => LoopbackPorts.Reserve();

    public static ChildProcess Start(string dll, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var child = new ChildProcess(Process.Start(psi)!);
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>Waits for a line of output that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Output().Split('\n').FirstOrDefault(match) is { } line)
            {
                return line.Trim();
            }

            Assert.False(_process.HasExited && Output().Split('\n').FirstOrDefault(match) is null, $"the process exited ({(_process.HasExited ? _process.ExitCode : 0)}) before {what}\n{Output()}");
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within {timeout.TotalSeconds:0} s\n{Output()}");
            await Task.Delay(200);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > 400_000)
            {
                _output.Remove(0, 200_000);
            }
        }
    }
}
