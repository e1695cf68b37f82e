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

namespace HyperSearch.Bench.Pbt;

/// <summary>Population Based Training against random search at an equal epoch budget, on a real Fashion-MNIST subset,
/// both through the product's path: one embedded silo, as `hypersearch run` uses. Random search trains the population
/// size of configurations to the end; PBT trains the same number of members (the same first configurations: one
/// sampler, one seed) for the same epochs, cloning and exploring at each interval. The clone check: every lineage
/// entry's donor-snapshot and loaded-weights hashes, taken inside each cloning attempt before its first step, agree.
/// Options: --quick (about 3 minutes on two cores) or --subset N --population N --epochs N --interval N, --slots N, --seed N.</summary>
internal static class PbtBenchmark
{
    private const string SpaceYaml = """
        training:
          conv1_filters: 16
          conv2_filters: 32
          dense_units: 64
          batch_size: 128
          optimizer: adam
        space:
          learning_rate: { loguniform: [1.0e-5, 5.0e-2] }
          dropout: { uniform: [0.0, 0.7] }
          weight_decay: { uniform: [0.0, 1.0e-3] }
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new BenchArgs(args);
        var quick = options.Flag("quick");
        // Full: 336 s measured on two cores (both searches); --quick: about 3 minutes.
        var subset = options.Int("subset", quick ? 4000 : 20000);
        var population = options.Int("population", quick ? 6 : 10);
        var epochs = options.Int("epochs", quick ? 6 : 10);
        var interval = options.Int("interval", 2);
        var slots = options.Int("slots", 2);
        var seed = options.Int("seed", 1);

        TorchRuntime.Initialize();
        var root = Path.Combine(Path.GetTempPath(), $"hs-pbt-{Guid.NewGuid():N}");
        using var host = EmbeddedSilo.Build("pbt-bench", root, slots, threads: null, dataDirectory: null, verbose: false);
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var (randomStatus, randomTrials) = await RunSearchAsync(grains, "random", Spec("none", "", population, epochs, subset, seed, slots));
        var randomSeconds = clock.Elapsed.TotalSeconds;
        var (pbtStatus, pbtTrials) = await RunSearchAsync(grains, "pbt", Spec("pbt", $"{{ interval: {interval}, population: {population} }}", population, epochs, subset, seed, slots));
        var pbtSeconds = clock.Elapsed.TotalSeconds - randomSeconds;
        await host.StopAsync();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind costs nothing.
        }

        var randomBest = randomStatus.Best?.Objective ?? double.NaN;
        var pbtBest = pbtStatus.Best?.Objective ?? double.NaN;
        var lineage = pbtTrials.SelectMany(t => (t.Lineage ?? []).Select(l => (Trial: t.Number, Entry: l))).OrderBy(c => c.Entry.Epoch).ThenBy(c => c.Trial).ToList();
        var verified = lineage.Count > 0 && lineage.All(c => c.Entry.Verified);

        Console.WriteLine($"Fashion-MNIST subset of {subset} images (20% validation), population {population}, {epochs} epochs, interval {interval}, {slots} slots, seed {seed}");
        foreach (var (trial, entry) in lineage)
        {
            Console.WriteLine($"  epoch {entry.Epoch}: trial {trial} ({entry.Score:0.0000}) cloned trial {entry.Donor} ({entry.DonorScore:0.0000}); " +
                $"{string.Join(", ", entry.NewValues.Select(v => $"{v.Key}={Convert.ToString(v.Value, CultureInfo.InvariantCulture)} ({entry.Operations.GetValueOrDefault(v.Key)})"))}; " +
                $"weights {(entry.Verified ? "verified" : "NOT verified")} {entry.LoadedWeightsHash?[..12]}");
        }

        Console.WriteLine($"{"search",-10}{"trials",-8}{"epochs",-8}{"best val_acc",-14}{"seconds",-8}");
        Console.WriteLine($"{"random",-10}{randomTrials.Count,-8}{randomTrials.Sum(t => t.Epochs.Count),-8}{randomBest,-14:0.0000}{randomSeconds,-8:0}");
        Console.WriteLine($"{"pbt",-10}{pbtTrials.Count,-8}{pbtTrials.Sum(t => t.Epochs.Count),-8}{pbtBest,-14:0.0000}{pbtSeconds,-8:0}");
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["benchmark"] = "pbt",
            ["subset"] = subset,
            ["population"] = population,
            ["epochs"] = epochs,
            ["interval"] = interval,
            ["random_epochs"] = randomTrials.Sum(t => t.Epochs.Count),
            ["pbt_epochs"] = pbtTrials.Sum(t => t.Epochs.Count),
            ["clones"] = lineage.Count,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
            ["pbt_best_val"] = Math.Round(pbtBest, 4),
            ["random_best_val"] = Math.Round(randomBest, 4),
            ["pbt_over_random"] = Math.Round(pbtBest / randomBest, 4),
            ["clone_verified"] = verified,
        }));
        return 0;
    }

    private static SearchSpec Spec(string scheduler, string schedulerOptions, int population, int epochs, int subset, int seed, int slots)
    {
        var optionsLine = schedulerOptions.Length == 0 ? "" : $"\n  scheduler_options: {schedulerOptions}";
        var yaml = $"""
            name: pbt-bench-{scheduler}
            dataset:
              name: fashion-mnist
              train_subset: {subset}
              validation_fraction: 0.2
            search:
              sampler: random
              scheduler: {scheduler}{optionsLine}
              max_trials: {population}
              max_concurrent: {slots}
              seed: {seed}
            """ + "\n" + SpaceYaml.Replace("training:\n", $"training:\n  epochs: {epochs}\n", StringComparison.Ordinal);
        return SpecLoader.Parse(yaml, $"pbt ({scheduler})");
    }

    private static async Task<(SearchStatus Status, IReadOnlyList<TrialRecord> Trials)> RunSearchAsync(IGrainFactory grains, string id, SearchSpec spec)
    {
        var search = grains.GetGrain<ISearchGrain>(id);
        await search.StartAsync(spec);
        var reported = -1;
        while (true)
        {
            var status = await search.GetStatusAsync();
            if (status.EpochsTrained != reported)
            {
                reported = status.EpochsTrained;
                Console.Error.WriteLine($"  {id}: {status.EpochsTrained} epochs, best {status.Best?.Objective:0.0000}");
            }

            if (status.State.IsFinished())
            {
                return (status, await search.GetTrialsAsync());
            }

            await Task.Delay(1000);
        }
    }
}
