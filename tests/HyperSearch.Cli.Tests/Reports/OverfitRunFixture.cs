using System.Text.Json;

namespace HyperSearch.Cli.Tests.Reports;

/// <summary>
/// One real search, run once for the report, export, model and overfitting tests: two trials on a tiny training
/// subset (300 images) for many epochs with no dropout — made to overfit — and a learning rate so low that the
/// other trial barely learns.
/// </summary>
public sealed class OverfitRunFixture : IAsyncLifetime
{
    public const string SearchId = "overfit";

    private const string Spec = """
        name: overfit
        dataset:
          name: fashion-mnist
          train_subset: 300
          validation_fraction: 0.03
        search:
          sampler: grid
          max_trials: 2
          max_concurrent: 1
          seed: 5
        training:
          epochs: 12
          conv1_filters: 16
          conv2_filters: 32
          dense_units: 64
          dropout: 0.0
          batch_size: 32
        space:
          learning_rate: { choice: [0.003, 0.00002] }
        """;

    public string Runs { get; } = Path.Combine(Path.GetTempPath(), $"hs-report-runs-{Guid.NewGuid():N}");

    public string RunDir => Path.Combine(Runs, SearchId);

    internal CliResult Run { get; private set; } = null!;

    public JsonElement Summary { get; private set; }

    public async Task InitializeAsync()
    {
        FashionMnist.Require();
        Run = await CliRunner.RunAsync("run", CliRunner.WriteSpec(Spec), "--json", "--run-dir", Runs, "--id", SearchId);
        Assert.True(Run.ExitCode == 0, Run.Stdout + Run.Stderr);
        Summary = JsonDocument.Parse(Run.StdoutLines[^1]).RootElement.Clone();
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Runs, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class OverfitRunCollection : ICollectionFixture<OverfitRunFixture>
{
    public const string Name = "overfit run";
}
