using System.Diagnostics;
using System.Text.Json;
using HyperSearch.Bench.Training;
using HyperSearch.Training;
using static TorchSharp.torch;

namespace HyperSearch.Bench;

/// <summary>
/// Seed-model training-step throughput against the 2048² matmul roof, fp32 and (where the CPU has it)
/// bf16 mixed precision, plus the accuracy bf16 costs. Options: --batch 256, --steps 12, --rounds 3,
/// --threads N, --accuracy-epochs 1 (0 skips the accuracy comparison), --seed 1.
/// Rounds interleave roof and step measurements so both see the same machine load; each figure is the
/// best of its rounds. A step is everything a trial does per batch: batch assembly from the shared
/// dataset, forward, loss, backward, optimizer update.
/// </summary>
internal static class TrainThroughputBenchmark
{
    private const int WarmupSteps = 3;

    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(new BenchArgs(args)));

    private static int Run(BenchArgs args)
    {
        int batch = args.Int("batch", 256), steps = args.Int("steps", 12), rounds = args.Int("rounds", 3);
        int accuracyEpochs = args.Int("accuracy-epochs", 1), seed = args.Int("seed", 1);
        TorchRuntime.Initialize(args.OptionalInt("threads"));
        bool bf16 = Roofline.CpuHasBf16() && !args.Flag("no-bf16");
        var config = TrialConfig.Seed with { BatchSize = batch };
        var data = DatasetCatalog.Load(new DatasetOptions(DatasetCatalog.FashionMnist, TrainSubset: batch * (steps + WarmupSteps), SplitSeed: seed));
        long flopsPerImage = ModelBuilder.TrainingFlopsPerImage(config, data.Info);

        Console.WriteLine($"seed model: {config}");
        Console.WriteLine($"input {data.Info.Channels}×{data.Info.Height}×{data.Info.Width}, batch {batch}, {steps} timed steps after {WarmupSteps} warm-up, " +
            $"{get_num_threads()} threads, {flopsPerImage / 1e6:0.0} MFLOP per image per step, allocator tuned: {TorchRuntime.AllocatorTuned}");

        using var fp32Session = new TrainingSession(config, data.Info, seed, CPU, bf16: false);
        using var bf16Session = bf16 ? new TrainingSession(config, data.Info, seed, CPU, bf16: true) : null;
        double roof = 0, roofBf16 = 0, fp32Rate = 0, bf16Rate = 0;
        Console.WriteLine();
        Console.WriteLine($"{"round",5} | {"fp32 roof GFLOP/s",17} | {"fp32 img/s",10} | {"bf16 roof GFLOP/s",17} | {"bf16 img/s",10}");
        for (int r = 1; r <= rounds; r++)
        {
            double roofNow = Roofline.MatmulGflops(ScalarType.Float32);
            double fp32Now = StepsPerSecond(fp32Session, data, batch, steps) * batch;
            double roofBf16Now = bf16 ? Roofline.MatmulGflops(ScalarType.BFloat16) : double.NaN;
            double bf16Now = bf16Session is null ? double.NaN : StepsPerSecond(bf16Session, data, batch, steps) * batch;
            Console.WriteLine($"{r,5} | {roofNow,17:0.0} | {fp32Now,10:0} | {roofBf16Now,17:0.0} | {bf16Now,10:0}");
            (roof, fp32Rate) = (Math.Max(roof, roofNow), Math.Max(fp32Rate, fp32Now));
            if (bf16) (roofBf16, bf16Rate) = (Math.Max(roofBf16, roofBf16Now), Math.Max(bf16Rate, bf16Now));
        }
        double effective = fp32Rate * flopsPerImage / 1e9;
        Console.WriteLine();
        Console.WriteLine($"fp32: {fp32Rate:0} img/s = {effective:0.0} GFLOP/s = {effective / roof:0.00} of the {roof:0.0} GFLOP/s matmul roof");
        if (bf16Session is not null)
        {
            Console.WriteLine($"bf16: {bf16Rate:0} img/s = {bf16Rate / fp32Rate:0.00}× fp32 (bf16 roof {roofBf16:0.0} GFLOP/s; conv layers computing in bf16: {string.Join(", ", bf16Session.ConvTypes)})");
        }

        var result = new Dictionary<string, object?>
        {
            ["benchmark"] = "train-throughput",
            ["batch"] = batch,
            ["threads"] = get_num_threads(),
            ["mflop_per_image"] = Math.Round(flopsPerImage / 1e6, 2),
            ["images_per_s"] = Math.Round(fp32Rate, 1),
            ["effective_gflops"] = Math.Round(effective, 1),
            ["roof_gflops"] = Math.Round(roof, 1),
            ["roof_ratio"] = Math.Round(effective / roof, 3),
        };
        if (bf16)
        {
            result["bf16_images_per_s"] = Math.Round(bf16Rate, 1);
            result["bf16_speedup"] = Math.Round(bf16Rate / fp32Rate, 2);
            result["bf16_roof_gflops"] = Math.Round(roofBf16, 1);
        }
        if (bf16 && accuracyEpochs > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"accuracy cost of bf16: seed model, {accuracyEpochs} epoch(s) on the full training split, same seed, test split");
            var full = DatasetCatalog.Load(new DatasetOptions(DatasetCatalog.FashionMnist, SplitSeed: seed));
            var trained = config with { Epochs = accuracyEpochs };
            var fp32Run = SeedModelRun.TrainAndTest(trained, full, "fp32", seed, e => Console.WriteLine("  fp32 " + SeedModelRun.Describe(e)));
            var bf16Run = SeedModelRun.TrainAndTest(trained, full, "bf16", seed, e => Console.WriteLine("  bf16 " + SeedModelRun.Describe(e)));
            double delta = (fp32Run.Test.TestAccuracy - bf16Run.Test.TestAccuracy) * 100;
            Console.WriteLine($"test accuracy: fp32 {fp32Run.Test.TestAccuracy:P2}, bf16 {bf16Run.Test.TestAccuracy:P2} ({delta:+0.00;-0.00} points lost with bf16)");
            Console.WriteLine($"epoch throughput incl. batching: fp32 {fp32Run.Outcome.Epochs.Average(e => e.ImagesPerSecond):0} img/s, bf16 {bf16Run.Outcome.Epochs.Average(e => e.ImagesPerSecond):0} img/s");
            result["accuracy_epochs"] = accuracyEpochs;
            result["fp32_test_accuracy"] = Math.Round(fp32Run.Test.TestAccuracy, 4);
            result["bf16_test_accuracy"] = Math.Round(bf16Run.Test.TestAccuracy, 4);
            result["bf16_accuracy_lost_points"] = Math.Round(delta, 2);
        }
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>Full training steps per second on consecutive batches of the shared training split.</summary>
    private static double StepsPerSecond(TrainingSession session, PreparedDataset data, int batch, int steps)
    {
        var source = new BatchSource(data.Train, data.Info, data.Normalization, batch);
        var order = Enumerable.Range(0, data.TrainCount).ToArray();
        void Step(int i)
        {
            using var scope = NewDisposeScope();
            var (x, y) = source.Assemble(order.AsSpan(i % (order.Length / batch) * batch, batch), session.Device);
            var (loss, _) = session.TrainStep(x, y);
            if (!float.IsFinite(loss)) throw new InvalidOperationException($"loss {loss} at step {i}");
        }
        for (int i = 0; i < WarmupSteps; i++) Step(i);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step(WarmupSteps + i);
        return steps / clock.Elapsed.TotalSeconds;
    }
}
