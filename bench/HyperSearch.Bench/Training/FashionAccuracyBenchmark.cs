using System.Text.Json;
using HyperSearch.Training;

namespace HyperSearch.Bench.Training;

/// <summary>
/// The seed model trained on the full Fashion-MNIST training split (60k less the validation split),
/// then scored once on the 10k test split. Options: --epochs 3, --precision fp32|bf16, --validation 0.1,
/// --seed 1, --threads N, --knobs '{"conv_layers": 3, …}' (another configuration than the seed model's). Target: ≥ 89 % test accuracy after 3 epochs.
/// </summary>
internal static class FashionAccuracyBenchmark
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(new BenchArgs(args)));

    private static int Run(BenchArgs args)
    {
        int epochs = args.Int("epochs", 3), seed = args.Int("seed", 1);
        string precision = args.Value("precision") ?? "fp32";
        double validation = double.Parse(args.Value("validation") ?? "0.1", System.Globalization.CultureInfo.InvariantCulture);
        TorchRuntime.Initialize(args.OptionalInt("threads"));
        var data = DatasetCatalog.Load(new DatasetOptions(DatasetCatalog.FashionMnist, ValidationFraction: validation, SplitSeed: seed));
        var config = args.Value("knobs") is { } knobs
            ? Hyperparameters.Parse(args.Knobs(knobs, epochs))
            : TrialConfig.Seed with { Epochs = epochs };
        Console.WriteLine($"{data}");
        Console.WriteLine($"{config}, {precision}, seed {seed}");
        var run = SeedModelRun.TrainAndTest(config, data, precision, seed, e => Console.WriteLine(SeedModelRun.Describe(e)));
        Console.WriteLine($"test: loss {run.Test.TestLoss:0.0000}, accuracy {run.Test.TestAccuracy:P2} on {run.Test.Count} images; {run.Seconds:0} s in all");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["benchmark"] = "fashion-accuracy",
            ["epochs"] = config.Epochs,
            ["precision"] = precision,
            ["train_images"] = data.TrainCount,
            ["test_accuracy"] = Math.Round(run.Test.TestAccuracy, 4),
            ["test_loss"] = Math.Round(run.Test.TestLoss, 4),
            ["val_accuracy"] = Math.Round(run.Outcome.Epochs[^1].ValAccuracy, 4),
            ["images_per_s"] = Math.Round(run.Outcome.Epochs.Average(e => e.ImagesPerSecond), 1),
            ["seconds"] = Math.Round(run.Seconds, 1),
        }));
        return 0;
    }
}
