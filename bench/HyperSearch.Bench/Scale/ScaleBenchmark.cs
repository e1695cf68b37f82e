using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;
using HyperSearch.Bench.Training;

namespace HyperSearch.Bench.Scale;

/// <summary>How HyperSearch's cost grows with its work, on an in-process cluster of sleep-training silos:
/// (a) one search on many slots, (b) many searches at once, (c) a search with a long history; each with the search
/// storage in memory and in a real redis-server. Prints each shape's figures as it goes; the last line is one JSON
/// object with all of them. Options: --shape a|b|c (repeatable, default all), --storage memory|redis (repeatable,
/// default both), --silos N, and the sizes below (defaults are the issue's).</summary>
public static class ScaleBenchmark
{
    /// <summary>From the command line: in a child process with the silo host's garbage collector (see
    /// <see cref="RunUnderSiloGcAsync"/>) unless this process has it already.</summary>
    public static Task<int> RunAsync(string[] args) => GCSettings.IsServerGC ? RunAsync(args, Console.Out) : RunUnderSiloGcAsync(args);

    /// <summary>The silo host runs with server GC (the ASP.NET Core default it keeps); the benchmark program is a console
    /// program with workstation GC, whose gen-0 collections come far more often and each stops every thread of the
    /// process: 1,000 training threads and 16 silos here. Shape (a) at 12,000 trials took 44-49 s under workstation GC
    /// and 27 s under server GC, one run each on the same machine, so measuring the silos under another collector
    /// than theirs mostly measured the collector.</summary>
    private static async Task<int> RunUnderSiloGcAsync(string[] args)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("no process path to start the benchmark again from");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ScaleBenchmark).Assembly.Location);
        }

        start.ArgumentList.Add("scale");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var options = new BenchArgs(args);
        var shapes = Values(args, "shape", ["a", "b", "c"]);
        var storages = Values(args, "storage", ["memory", "redis"]);
        var silos = options.Int("silos", 16);
        var a = new ShapeA.Sizes(silos, options.Int("a-slots", 1024), options.Int("a-trials", 20_000), options.Int("a-epochs", 10), options.Int("a-epoch-ms", 100), options.Int("a-warmup-rounds", 12));
        var b = new ShapeB.Sizes(silos, options.Int("b-slots", 256), options.Int("b-searches", 100), options.Int("b-trials", 50), options.Int("b-epochs", 5), options.Int("b-epoch-ms", 100));
        var c = new ShapeC.Sizes(silos, options.Int("c-slots", 64), options.Int("c-finished", 100_000), options.Int("c-more", 4_000), options.Int("c-epochs", 5), options.Int("c-epoch-ms", 20));

        var figures = new Dictionary<string, object>
        {
            ["silos"] = silos,
            ["server_gc"] = GCSettings.IsServerGC,
            ["processors"] = Environment.ProcessorCount,
            ["load_average_before"] = LoadAverage(),
        };
        var passed = true;
        foreach (var storage in storages)
        {
            RedisProcess? redis = null;
            try
            {
                redis = storage == "redis" ? await RedisProcess.StartAsync() : null;
                foreach (var shape in shapes)
                {
                    var label = $"{shape}-{storage}-{Guid.NewGuid():N}"[..16];
                    var result = shape switch
                    {
                        "a" => await ShapeA.RunAsync(a, redis, label),
                        "b" => await ShapeB.RunAsync(b, redis, label),
                        _ => await ShapeC.RunAsync(c, redis, label),
                    };
                    result["load_average"] = LoadAverage();
                    var verdict = Verdict(shape, storage, result);
                    result["target"] = verdict.Target;
                    result["met"] = verdict.Met;
                    passed &= verdict.Met;
                    output.WriteLine($"    {shape}/{storage}: target {verdict.Target}: {(verdict.Met ? "met" : "NOT met")}; load average {result["load_average"]}");
                    figures[$"{shape}_{storage}"] = result;
                }
            }
            finally
            {
                if (redis is not null)
                {
                    await redis.DisposeAsync();
                }
            }
        }

        output.WriteLine(JsonSerializer.Serialize(figures));
        return passed ? 0 : 1;
    }

    /// <summary>The issue's targets, checked against what was measured.</summary>
    private static (string Target, bool Met) Verdict(string shape, string storage, Dictionary<string, object> result) => shape switch
    {
        "a" => storage == "memory"
            ? ("overhead_ratio <= 0.02 and epoch_reports_per_s >= 5000", (double)result["overhead_ratio"] <= 0.02 && (double)result["epoch_reports_per_s"] >= 5000)
            : ("overhead_ratio <= 0.05 and epoch_reports_per_s >= 5000", (double)result["overhead_ratio"] <= 0.05 && (double)result["epoch_reports_per_s"] >= 5000),
        "b" => ("no search under 80% of its fair share", (int)result["searches_under_80pct"] == 0),
        _ => ("recovery_seconds <= 30 and no trial lost", (double)result["recovery_seconds"] <= 30 && (int)result["lost_trials"] == 0),
    };

    private static List<string> Values(string[] args, string name, List<string> all)
    {
        var chosen = args.Select((arg, i) => (arg, i)).Where(p => p.arg == "--" + name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        foreach (var value in chosen.Where(v => !all.Contains(v)))
        {
            throw new ArgumentException($"--{name} {value}: expected one of {string.Join(", ", all)}");
        }

        return chosen.Count == 0 ? all : [.. all.Where(chosen.Contains)];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
