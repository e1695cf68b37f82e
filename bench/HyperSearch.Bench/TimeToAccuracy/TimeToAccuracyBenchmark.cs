using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HyperSearch.Bench.Training;
using HyperSearch.Cli;
using HyperSearch.Runners;
using HyperSearch.Specs;
using HyperSearch.Training;

namespace HyperSearch.Bench.TimeToAccuracy;

/// <summary>
/// A search run the way a user runs one: `hypersearch run SPEC --json` (its embedded silo, in this process),
/// timed from before the spec is read to the winner's test score. Options: --spec (default
/// examples/fashion-mnist-30m.yaml), --seed N (replaces search.seed), --time-budget 1m (replaces
/// search.time_budget, for a quick check), --run-dir DIR (default a temp folder), --data-dir DIR.
/// Prints the CLI's own output, then one JSON line.
/// </summary>
internal static partial class TimeToAccuracyBenchmark
{
    private const string DefaultSpec = "examples/fashion-mnist-30m.yaml";

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = new BenchArgs(argv);
        var clock = Stopwatch.StartNew();
        var specPath = args.Value("spec") ?? FindUpwards(DefaultSpec)
            ?? throw new FileNotFoundException($"{DefaultSpec} not found above {Environment.CurrentDirectory}; pass --spec PATH");
        string text = File.ReadAllText(specPath);
        if (args.Value("seed") is { } seed) text = Replace(text, SearchSeed(), seed, "search.seed");
        if (args.Value("time-budget") is { } budget) text = Replace(text, TimeBudget(), budget, "search.time_budget");
        var runRoot = Path.GetFullPath(args.Value("run-dir") ?? Path.Combine(Path.GetTempPath(), "hypersearch-time-to-accuracy"));
        Directory.CreateDirectory(runRoot);
        var runSpec = Path.Combine(runRoot, $"spec-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.yaml");
        File.WriteAllText(runSpec, text);
        var dataDirectory = args.Value("data-dir");
        var spec = SpecLoader.Load(runSpec, dataDirectory, checkData: false);

        string[] cli = ["run", runSpec, "--json", "--run-dir", runRoot, "--slots", spec.Search.MaxConcurrent.ToString(CultureInfo.InvariantCulture)];
        if (dataDirectory is not null) cli = [.. cli, "--data-dir", dataDirectory];
        Console.WriteLine($"time-to-accuracy: hypersearch {string.Join(' ', cli)}");
        var output = new StringWriter();
        int exit = await CommandLine.RunAsync(cli, output, Console.Error);
        double wall = clock.Elapsed.TotalSeconds;
        Console.Write(output.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // A failed or cancelled search still prints its summary (with no best); only a refusal before the start does not.
        if (lines.Length == 0 || !lines[^1].StartsWith('{') || JsonNode.Parse(lines[^1]) is not JsonObject summary)
        {
            Console.Error.WriteLine($"time-to-accuracy: the search ended with exit code {exit} and no summary");
            return exit == 0 ? 1 : exit;
        }

        var runDir = summary["run_dir"]!.GetValue<string>();
        var trials = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, "trials.json")))!.AsArray();
        // The trials already loaded the split in this process, so this is the cached copy.
        int trainCount = DatasetCatalog.Load(DatasetLocation.OptionsFor(spec.Dataset, dataDirectory)).TrainCount;
        long images = 0;
        foreach (var trial in trials)
        {
            var parameters = trial!["parameters"]!.AsObject();
            var fraction = parameters["epoch_fraction"]?.GetValue<double>()
                ?? (spec.Training.TryGetValue("epoch_fraction", out var fixedFraction) ? Convert.ToDouble(fixedFraction, CultureInfo.InvariantCulture) : 1);
            images += (long)Math.Round(trial["epochs"]!.AsArray().Count * trainCount * fraction);
        }

        var states = summary["trials"]!.AsObject();
        Console.WriteLine(JsonSerializer.Serialize(new JsonObject
        {
            ["benchmark"] = "time-to-accuracy",
            ["spec"] = Path.GetFileName(specPath),
            ["seed"] = spec.Search.Seed,
            ["state"] = summary["state"]?.DeepClone(),
            ["best_val_accuracy"] = summary["best_val_accuracy"]?.DeepClone(),
            ["best_test_accuracy"] = summary["test_accuracy"]?.DeepClone(),
            ["wall_seconds"] = Math.Round(wall, 1),
            ["trials"] = trials.Count,
            ["trials_by_state"] = new JsonObject(states.Where(s => s.Value!.GetValue<int>() > 0).Select(s => KeyValuePair.Create<string, JsonNode?>(s.Key, s.Value!.DeepClone()))),
            ["epochs_trained"] = summary["epochs_trained"]?.DeepClone(),
            ["images_trained"] = images,
            ["best_config"] = summary["best_config"]?.DeepClone(),
        }));
        return exit;
    }

    private static string Replace(string text, Regex pattern, string value, string key)
    {
        if (pattern.Matches(text).Count != 1)
            throw new ArgumentException($"{key}: expected exactly one such line in the spec to replace");
        return pattern.Replace(text, m => m.Groups[1].Value + value);
    }

    private static string? FindUpwards(string relative)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    // The search section's seed is indented under "search:"; the dataset's is split_seed.
    [GeneratedRegex(@"(?m)^(\s+seed:\s*)\S+")]
    private static partial Regex SearchSeed();

    [GeneratedRegex(@"(?m)^(\s+time_budget:\s*)\S+")]
    private static partial Regex TimeBudget();
}
