using System.Diagnostics;
using System.Text.Json;
using HyperSearch.Bench.Training;
using HyperSearch.Training;
using static TorchSharp.torch;

namespace HyperSearch.Bench;

/// <summary>
/// Seed-model training-step throughput against the 2048² matmul roof, fp32 and (where the CPU has it)
/// bf16 mixed precision, plus the accuracy bf16 costs. Options: --batch 256, --samples 24, --threads N,
/// --accuracy-epochs 1 (0 skips the accuracy comparison), --no-bf16, --seed 1, --knobs '{…}' (another model than the seed's).
/// Roof matmuls and training steps, fp32 and bf16, alternate one sample each, so all see the same load
/// from whatever else shares the cores, and all are summarized by their median. A step is everything a trial does
/// per batch: batch assembly from the shared dataset, forward, loss, backward, optimizer update.
/// </summary>
internal static class TrainThroughputBenchmark
{
    private const int WarmupSteps = 3;

    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(new BenchArgs(args)));

    private static int Run(BenchArgs args)
    {
        int batch = args.Int("batch", 256), samples = args.Int("samples", 24);
        int accuracyEpochs = args.Int("accuracy-epochs", 1), seed = args.Int("seed", 1);
        TorchRuntime.Initialize(args.OptionalInt("threads"));
        bool bf16Wanted = Roofline.CpuHasBf16() && !args.Flag("no-bf16");
        var config = args.Value("knobs") is { } knobs
            ? Hyperparameters.Parse(args.Knobs(knobs, Math.Max(1, accuracyEpochs))) with { BatchSize = batch, Bf16 = false }
            : TrialConfig.Seed with { BatchSize = batch };
        var data = DatasetCatalog.Load(new DatasetOptions(DatasetCatalog.FashionMnist, TrainSubset: batch * 8, SplitSeed: seed));
        long flopsPerImage = ModelBuilder.TrainingFlopsPerImage(config, data.Info);

        Console.WriteLine($"seed model: {config}");
        Console.WriteLine($"input {data.Info.Channels}×{data.Info.Height}×{data.Info.Width}, batch {batch}, {samples} timed steps after {WarmupSteps} warm-up, " +
            $"{get_num_threads()} threads, {flopsPerImage / 1e6:0.0} MFLOP per image per step, allocator tuned: {TorchRuntime.AllocatorTuned}");

        using var fp32Session = new TrainingSession(config, data.Info, seed, CPU, bf16: false);
        using var bf16Session = bf16Wanted ? new TrainingSession(config, data.Info, seed, CPU, bf16: true) : null;
        var runs = new List<(TrainingSession Session, ScalarType Type)> { (fp32Session, ScalarType.Float32) };
        if (bf16Session is not null) runs.Add((bf16Session, ScalarType.BFloat16));
        var measured = Measure([.. runs], data, batch, samples);
        var fp32 = measured[0];
        var bf16 = bf16Session is null ? null : measured[1];
        double roof = Roofline.Flops / fp32.MatmulSeconds / 1e9, fp32Rate = batch / fp32.StepSeconds;
        double effective = fp32Rate * flopsPerImage / 1e9;
        Console.WriteLine();
        Console.WriteLine($"{"",5} | {"roof GFLOP/s",12} | {"step ms",8} | {"img/s",6} | {"GFLOP/s",7} | {"of roof",7} | best of {samples}: roof, img/s");
        Print("fp32", fp32, batch, flopsPerImage);
        if (bf16 is not null) Print("bf16", bf16, batch, flopsPerImage);
        Console.WriteLine();
        Console.WriteLine($"fp32: {fp32Rate:0} img/s = {effective:0.0} GFLOP/s = {effective / roof:0.00} of the {roof:0.0} GFLOP/s fp32 matmul roof (medians of {samples} interleaved samples)");
        if (bf16 is not null)
            Console.WriteLine($"bf16: {batch / bf16.StepSeconds:0} img/s = {fp32.StepSeconds / bf16.StepSeconds:0.00}× fp32; conv layers computing in bf16: {string.Join(", ", bf16Session!.ConvTypes)}");

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
        if (bf16 is not null)
        {
            result["bf16_images_per_s"] = Math.Round(batch / bf16.StepSeconds, 1);
            result["bf16_speedup"] = Math.Round(fp32.StepSeconds / bf16.StepSeconds, 2);
            result["bf16_roof_gflops"] = Math.Round(Roofline.Flops / bf16.MatmulSeconds / 1e9, 1);
        }
        if (bf16 is not null && accuracyEpochs > 0)
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

    /// <summary>Median and best seconds of matmul and training-step samples.</summary>
    private sealed record Measured(double MatmulSeconds, double StepSeconds, double BestMatmulSeconds, double BestStepSeconds);

    /// <summary>
    /// Round-robin over the sessions: one roof matmul in the session's type, then one full training step,
    /// so every figure (and so the fp32/bf16 ratio) sees the same load from whatever else shares these
    /// cores; each series is summarized by its median and its best sample.
    /// </summary>
    private static Measured[] Measure((TrainingSession Session, ScalarType Type)[] runs, PreparedDataset data, int batch, int samples)
    {
        var roofs = runs.Select(r => new Roofline(r.Type)).ToArray();
        var source = new BatchSource(data.Train, data.Info, data.Normalization, batch);
        var order = Enumerable.Range(0, data.TrainCount).ToArray();
        int batches = order.Length / batch;
        double Step(TrainingSession session, int i)
        {
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            var (x, y) = source.Assemble(order.AsSpan(i % batches * batch, batch), session.Device);
            var (loss, _) = session.TrainStep(x, y);
            if (!float.IsFinite(loss)) throw new InvalidOperationException($"loss {loss} at step {i}");
            return clock.Elapsed.TotalSeconds;
        }
        foreach (var run in runs)
            for (int i = 0; i < WarmupSteps; i++) Step(run.Session, i);
        var matmuls = runs.Select(_ => new double[samples]).ToArray();
        var steps = runs.Select(_ => new double[samples]).ToArray();
        for (int i = 0; i < samples; i++)
        {
            for (int r = 0; r < runs.Length; r++)
            {
                matmuls[r][i] = roofs[r].Sample();
                steps[r][i] = Step(runs[r].Session, WarmupSteps + i);
            }
        }
        foreach (var roof in roofs) roof.Dispose();
        return [.. runs.Select((_, r) => new Measured(Median(matmuls[r]), Median(steps[r]), matmuls[r].Min(), steps[r].Min()))];
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Print(string name, Measured m, int batch, long flopsPerImage)
    {
        double roof = Roofline.Flops / m.MatmulSeconds / 1e9, rate = batch / m.StepSeconds, gflops = rate * flopsPerImage / 1e9;
        Console.WriteLine($"{name,5} | {roof,12:0.0} | {m.StepSeconds * 1000,8:0.0} | {rate,6:0} | {gflops,7:0.0} | {gflops / roof,7:0.00} | {Roofline.Flops / m.BestMatmulSeconds / 1e9:0.0}, {batch / m.BestStepSeconds:0}");
    }
}
