using System.Text.Json;

namespace HyperSearch.Cli.Tests;

/// <summary>A real search on a small Fashion-MNIST subset, through the CLI's entry point with an embedded silo.</summary>
public sealed class EndToEndTests
{
    private const string TinySearch = """
        name: tiny
        dataset:
          name: fashion-mnist
          train_subset: 3000
          validation_fraction: 0.2
        search:
          sampler: grid
          max_trials: 4
          max_concurrent: 1
          seed: 3
        training:
          epochs: 2
          conv1_filters: 16
          conv2_filters: 32
          dense_units: 64
          batch_size: 64
        space:
          learning_rate: { choice: [0.002, 0.00001] }
        """;

    [Fact]
    public async Task Run_trains_real_trials_picks_the_best_and_tests_it_once()
    {
        FashionMnist.Require();
        var runs = Path.Combine(Path.GetTempPath(), $"hs-runs-{Guid.NewGuid():N}");
        var result = await CliRunner.RunAsync("run", CliRunner.WriteSpec(TinySearch), "--json", "--run-dir", runs, "--id", "tiny-e2e");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var summary = JsonDocument.Parse(result.StdoutLines[^1]);
        var root = summary.RootElement;
        Assert.Equal("tiny-e2e", root.GetProperty("search_id").GetString());
        Assert.Equal("completed", root.GetProperty("state").GetString());
        Assert.Equal(2, root.GetProperty("trials").GetProperty("completed").GetInt32());

        // A learning rate of 1e-5 barely moves in two epochs; 2e-3 learns: the search must tell them apart.
        Assert.Equal(0.002, root.GetProperty("best_config").GetProperty("learning_rate").GetDouble());
        Assert.InRange(root.GetProperty("best_val_accuracy").GetDouble(), 0.70, 1.0);
        Assert.InRange(root.GetProperty("test_accuracy").GetDouble(), 0.65, 1.0);
        Assert.True(root.GetProperty("wall_seconds").GetDouble() > 0);

        var runDir = Path.Combine(runs, "tiny-e2e");
        Assert.True(File.Exists(Path.Combine(runDir, "spec.yaml")));
        using var trials = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "trials.json")));
        Assert.Equal(2, trials.RootElement.GetArrayLength());
        Assert.All(trials.RootElement.EnumerateArray(), t => Assert.Equal(2, t.GetProperty("epochs").GetArrayLength()));
        Assert.True(File.Exists(Path.Combine(runDir, "summary.json")));
    }
}
