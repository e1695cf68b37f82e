using System.Text.Json;
using HyperSearch.Training;

namespace HyperSearch.Bench.Training;

/// <summary>
/// Resident memory per epoch of one long seed-model run: a tensor leak grows it epoch after epoch.
/// Options: --epochs 20, --subset 10000 (training images per epoch; 0 = the full split), --seed 1,
/// --precision fp32|bf16, --threads N. Target: less than 5 % growth from epoch 2 to the last epoch
/// (epoch 1 still warms up allocator pools and oneDNN primitive caches).
/// </summary>
internal static class MemoryBenchmark
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(new BenchArgs(args)));

    private static int Run(BenchArgs args)
    {
        int epochs = args.Int("epochs", 20), subset = args.Int("subset", 10000), seed = args.Int("seed", 1);
        string precision = args.Value("precision") ?? "fp32";
        TorchRuntime.Initialize(args.OptionalInt("threads"));
        var data = DatasetCatalog.Load(new DatasetOptions(DatasetCatalog.FashionMnist, TrainSubset: subset > 0 ? subset : null, SplitSeed: seed));
        var config = TrialConfig.Seed with { Epochs = epochs };
        Console.WriteLine($"{data}; {config}, {precision}");
        double before = ProcessMemory.ResidentMiB();
        Console.WriteLine($"RSS after loading the dataset: {before:0.0} MiB");
        var rss = new List<double>();
        var outcome = TrialTrainer.Run(config, data, new TrialRunOptions(seed) { Precision = precision }, e =>
        {
            rss.Add(ProcessMemory.ResidentMiB());
            Console.WriteLine($"{SeedModelRun.Describe(e)} | RSS {rss[^1],7:0.0} MiB");
            return true;
        }, CancellationToken.None);
        if (outcome.Kind != TrialOutcomeKind.Completed)
        {
            Console.Error.WriteLine($"run ended {outcome.Kind}: {outcome.FailureReason}");
            return 1;
        }
        int from = Math.Min(1, rss.Count - 1);
        double growth = (rss[^1] - rss[from]) / rss[from] * 100;
        double peakGrowth = (rss.Skip(from).Max() - rss[from]) / rss[from] * 100;
        Console.WriteLine($"RSS growth from epoch {from + 1} to epoch {rss.Count}: {growth:+0.00;-0.00} % (peak {peakGrowth:+0.00} %)");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["benchmark"] = "memory",
            ["epochs"] = epochs,
            ["train_images"] = data.TrainCount,
            ["rss_mib"] = rss.Select(r => Math.Round(r, 1)).ToArray(),
            ["growth_after_epoch2_pct"] = Math.Round(growth, 2),
            ["peak_growth_after_epoch2_pct"] = Math.Round(peakGrowth, 2),
        }));
        return 0;
    }
}
