using System.Globalization;
using System.Text.Json;
using HyperSearch.Bench.Training;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Silo.Hosting;
using HyperSearch.Specs;
using HyperSearch.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Bench;

/// <summary>Real data: does TPE + ASHA reach the best validation accuracy that random search without early stopping
/// reaches, and with how many training epochs? Both run on the same Fashion-MNIST subset in one embedded silo.</summary>
internal static class SearchEfficiencyBenchmark
{
    private const string SpaceYaml = """
        space:
          conv1_filters: { choice: [16, 32, 64] }
          conv2_filters: { choice: [32, 64, 128] }
          dense_units: { choice: [64, 128, 256] }
          dropout: { uniform: [0.1, 0.6] }
          batch_size: { choice: [64, 128] }
          learning_rate: { loguniform: [1.0e-5, 3.0e-2] }
          init: { choice: [he_normal, glorot_uniform] }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var subset = options.Int("subset", 4000);
        var trials = options.Int("trials", 12);
        var epochs = options.Int("epochs", 6);
        var seed = options.Int("seed", 1);

        TorchRuntime.Initialize();
        var root = Path.Combine(Path.GetTempPath(), $"hs-efficiency-{Guid.NewGuid():N}");
        using var host = EmbeddedSilo.Build("efficiency", root, slots: 1, threads: null, dataDirectory: null, verbose: false);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        var random = Spec("random", "none", trials, epochs, subset, seed, target: null);
        var (randomStatus, randomTrials) = await RunSearchAsync(grains, "random", random);
        var randomBest = randomStatus.Best?.Objective ?? double.NaN;
        var randomEpochs = randomTrials.Sum(t => t.Epochs.Count);

        // Same budget of trials times three, but it stops as soon as a completed trial matches random's best.
        var tpe = Spec("tpe", "asha", trials * 3, epochs, subset, seed, target: randomBest);
        var (tpeStatus, tpeTrials) = await RunSearchAsync(grains, "tpe-asha", tpe);
        var tpeBest = tpeStatus.Best?.Objective ?? double.NaN;
        var tpeEpochs = tpeTrials.Sum(t => t.Epochs.Count);
        var reached = tpeBest >= randomBest;
        await host.StopAsync();

        Console.WriteLine($"Fashion-MNIST subset of {subset} images, {epochs} epochs per full trial, seed {seed}");
        Console.WriteLine($"{"search",-22}{"trials",-8}{"pruned",-8}{"epochs",-8}{"best val_acc",-14}");
        Console.WriteLine($"{"random, no stopping",-22}{randomTrials.Count,-8}{0,-8}{randomEpochs,-8}{randomBest,-14:0.0000}");
        Console.WriteLine($"{"tpe + asha",-22}{tpeTrials.Count,-8}{tpeStatus.Count(TrialState.Pruned),-8}{tpeEpochs,-8}{tpeBest,-14:0.0000}");
        Console.WriteLine($"tpe+asha {(reached ? "reached" : "did NOT reach")} random's best ({tpeStatus.StopReason}); epoch ratio {(double)tpeEpochs / randomEpochs:0.000} (target ≤ 0.333)");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["subset"] = subset,
            ["random_trials"] = randomTrials.Count,
            ["random_epochs"] = randomEpochs,
            ["random_best_val_accuracy"] = Math.Round(randomBest, 4),
            ["tpe_asha_trials"] = tpeTrials.Count,
            ["tpe_asha_epochs"] = tpeEpochs,
            ["tpe_asha_best_val_accuracy"] = Math.Round(tpeBest, 4),
            ["reached"] = reached,
            ["epoch_ratio"] = Math.Round((double)tpeEpochs / randomEpochs, 4),
        }));
        return 0;
    }

    private static SearchSpec Spec(string sampler, string scheduler, int trials, int epochs, int subset, int seed, double? target)
    {
        var targetLine = target is { } t ? $"\n  target: {{ metric: val_accuracy, value: {t.ToString("R", CultureInfo.InvariantCulture)} }}" : "";
        var yaml = $"""
            name: efficiency-{sampler}
            dataset:
              name: fashion-mnist
              train_subset: {subset}
              validation_fraction: 0.2
            search:
              sampler: {sampler}
              scheduler: {scheduler}
              max_trials: {trials}
              max_concurrent: 1
              seed: {seed}{targetLine}
            training:
              epochs: {epochs}
            """ + "\n" + SpaceYaml;
        return SpecLoader.Parse(yaml, $"search-efficiency ({sampler})");
    }

    private static async Task<(SearchStatus Status, IReadOnlyList<TrialRecord> Trials)> RunSearchAsync(IGrainFactory grains, string id, SearchSpec spec)
    {
        var search = grains.GetGrain<ISearchGrain>(id);
        await search.StartAsync(spec);
        var reported = 0;
        while (true)
        {
            var status = await search.GetStatusAsync();
            var done = status.TrialsByState.Where(kv => kv.Key.IsTerminal()).Sum(kv => kv.Value);
            if (done != reported)
            {
                reported = done;
                Console.Error.WriteLine($"  {id}: {done} trials done, best {status.Best?.Objective:0.0000}, {status.EpochsTrained} epochs");
            }

            if (status.State.IsFinished())
            {
                return (status, await search.GetTrialsAsync());
            }

            await Task.Delay(1000);
        }
    }
}
