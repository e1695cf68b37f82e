using System.Diagnostics;
using HyperSearch.Silo.Hosting;
using Microsoft.Extensions.Hosting;

namespace HyperSearch.Cli.Tests;

/// <summary>The mild preprocessing trap — training images in [0,1], test images in [-1,1] — on arrays of full
/// Fashion-MNIST size as a Keras user holds them (NHWC float32, one-hot labels), refused by every local path in under
/// a minute each: `run`, `validate` and `model evaluate` (which compares with the model's stored statistics), and
/// on a cluster by the coordinator at `search start`, past the CLI's --skip-data-check.</summary>
public sealed class PreprocessingTrapTests(PreprocessingTrapTests.Data data) : IClassFixture<PreprocessingTrapTests.Data>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    public sealed class Data : IAsyncLifetime
    {
        public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"hs-trap-{Guid.NewGuid():N}");

        public string Npz => Path.Combine(Directory, "fashion-keras.npz");

        public string ModelDirectory => Path.Combine(Directory, "model");

        public Task InitializeAsync()
        {
            System.IO.Directory.CreateDirectory(Directory);
            KerasNpz.Write(Npz, train: p => p / 255f, test: p => p / 127.5f - 1f);
            return Task.CompletedTask;
        }

        public Task DisposeAsync()
        {
            System.IO.Directory.Delete(Directory, recursive: true);
            return Task.CompletedTask;
        }

        public string Spec(string extra = "") => CliRunner.WriteSpec($"""
            name: keras-trap
            dataset:
              name: npz
              path: {Npz}
              train_subset: 500{extra}
            search: {"{"} sampler: random, max_trials: 1, seed: 1 {"}"}
            training: {"{"} epochs: 1, conv1_filters: 8, conv2_filters: 8, dense_units: 16 {"}"}
            """);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("validate")]
    public async Task The_trap_is_refused_with_exit_2_naming_the_test_split(string verb)
    {
        var runs = Path.Combine(data.Directory, $"runs-{verb}");
        var clock = Stopwatch.StartNew();
        var result = verb == "run"
            ? await CliRunner.RunAsync("run", data.Spec(), "--run-dir", runs, "--id", "trap")
            : await CliRunner.RunAsync("validate", data.Spec());
        clock.Stop();

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("test split", result.Stderr);
        Assert.Contains("disagrees in scale with the training split", result.Stderr);
        Assert.Contains("x_test.npy", result.Stderr);
        Assert.True(clock.Elapsed < Limit, $"{verb} took {clock.Elapsed} to refuse");
        Assert.False(Directory.Exists(Path.Combine(runs, "trap")), "a refused run starts nothing");
    }

    [Fact]
    public async Task A_cluster_coordinator_refuses_the_trap_at_search_start_past_the_clis_skip_data_check()
    {
        // A coordinator-only silo that reads the data (as one on the dataset volume would); the CLI skips its own check.
        var clusterId = $"trap-{Guid.NewGuid():N}"[..16];
        var gateway = LoopbackPorts.Reserve();
        using var silo = GatewaySilo.Build(clusterId, gateway, o =>
        {
            o.CheckpointDirectory = Path.Combine(data.Directory, "cluster-checkpoints");
            o.Training.Enabled = false;
        });
        await silo.StartAsync();
        try
        {
            string[] connection = ["--gateway", $"127.0.0.1:{gateway}", "--cluster-id", clusterId];
            var clock = Stopwatch.StartNew();
            var result = await CliRunner.RunAsync(["search", "start", data.Spec(), "--id", "trap-cluster", "--skip-data-check", .. connection]);
            clock.Stop();

            Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
            Assert.Contains("disagrees in scale with the training split", result.Stderr);
            Assert.Contains("x_test.npy", result.Stderr);
            Assert.True(clock.Elapsed < Limit, $"search start took {clock.Elapsed} to be refused");
            var status = await CliRunner.RunAsync(["search", "status", "trap-cluster", .. connection]);
            Assert.Contains("no search with id 'trap-cluster'", status.Stderr);
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    [Fact]
    public async Task Allow_distribution_shift_lets_it_through_and_the_summary_warns()
    {
        var result = await CliRunner.RunAsync("validate", data.Spec("\n  allow_distribution_shift: true"));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("10 classes", result.Stdout);
        Assert.Contains("warning: distribution shift allowed", result.Stderr);
    }

    [Fact]
    public async Task A_run_that_allowed_the_shift_warns_in_its_summary_and_diagnose_flags_the_mismatch()
    {
        var runs = Path.Combine(data.Directory, "runs-allowed");
        var run = await CliRunner.RunAsync("run", data.Spec("\n  allow_distribution_shift: true"), "--json", "--run-dir", runs, "--id", "shifted");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var summary = System.Text.Json.JsonDocument.Parse(Assert.Single(run.StdoutLines)).RootElement;
        Assert.Contains("distribution shift allowed", summary.GetProperty("warnings")[0].GetString());
        Assert.Contains("warning: distribution shift allowed", run.Stderr);

        var diagnose = await CliRunner.RunAsync("diagnose", "shifted", "--run-dir", runs);
        Assert.Contains("preprocessing", diagnose.Stdout);
        Assert.Contains("allow_distribution_shift", diagnose.Stdout);
    }

    [Fact]
    public async Task Validate_with_no_data_skips_loading_it()
    {
        var result = await CliRunner.RunAsync("validate", data.Spec(), "--no-data");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("data not checked (--no-data)", result.Stdout);
    }

    [Fact]
    public async Task Model_evaluate_refuses_test_data_scaled_unlike_the_models_training_data()
    {
        // A model trained on Fashion-MNIST bytes in [0,255] (one short trial), evaluated on the Keras arrays.
        var runs = Path.Combine(data.Directory, "runs-model");
        var spec = CliRunner.WriteSpec("""
            name: model
            dataset: { name: fashion-mnist, train_subset: 500 }
            search: { sampler: random, max_trials: 1, seed: 1 }
            training: { epochs: 1, conv1_filters: 8, conv2_filters: 8, dense_units: 16 }
            """);
        var run = await CliRunner.RunAsync("run", spec, "--json", "--run-dir", runs, "--id", "m");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Single(run.StdoutLines); // --json: the summary object and nothing else
        var export = await CliRunner.RunAsync("model", "export", "m", "--run-dir", runs, "-o", data.ModelDirectory);
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);

        var clock = Stopwatch.StartNew();
        var refused = await CliRunner.RunAsync("model", "evaluate", data.ModelDirectory, "--dataset", data.Npz);
        clock.Stop();
        Assert.True(refused.ExitCode == 2, $"exit {refused.ExitCode}\n{refused.Stdout}\n{refused.Stderr}");
        Assert.Contains("disagrees in scale", refused.Stderr);
        Assert.Contains("stored training statistics", refused.Stderr);
        Assert.Contains("--allow-distribution-shift", refused.Stderr);
        Assert.DoesNotContain("test accuracy", refused.Stdout);
        Assert.True(clock.Elapsed < Limit, $"model evaluate took {clock.Elapsed} to refuse");

        var allowed = await CliRunner.RunAsync("model", "evaluate", data.ModelDirectory, "--dataset", data.Npz, "--allow-distribution-shift");
        Assert.True(allowed.ExitCode == 0, allowed.Stdout + allowed.Stderr);
        Assert.Contains("test accuracy", allowed.Stdout);
        Assert.Contains("warning: distribution shift allowed", allowed.Stderr);
    }
}
