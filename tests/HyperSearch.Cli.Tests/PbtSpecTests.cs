namespace HyperSearch.Cli.Tests;

/// <summary>A <c>scheduler: pbt</c> spec is refused, naming the key and line, when PBT could not do what it asks.</summary>
public sealed class PbtSpecTests
{
    private const string Valid = """
        name: pbt
        dataset:
          name: fashion-mnist
          train_subset: 2000
        search:
          scheduler: pbt
          scheduler_options: { interval: 2, quantile: 0.25 }
          max_trials: 4
        training:
          epochs: 6
        space:
          conv1_filters: { choice: [16, 32] }
          learning_rate: { loguniform: [1.0e-4, 1.0e-2] }
          dropout: { uniform: [0.1, 0.5] }
        """;

    [Theory]
    [InlineData("an architecture knob to mutate", "quantile: 0.25", "mutate: conv1_filters", "search.scheduler_options.mutate", "'conv1_filters' is not a trainable knob", 7)]
    [InlineData("batch norm among the mutated", "quantile: 0.25", "mutate: 'learning_rate, batch_norm'", "search.scheduler_options.mutate", "'batch_norm' is not a trainable knob", 7)]
    [InlineData("a trainable knob that is not searched", "quantile: 0.25", "mutate: momentum", "search.scheduler_options.mutate", "'momentum' is not searched", 7)]
    [InlineData("an interval as long as training", "interval: 2", "interval: 6", "search.scheduler_options.interval", "must be below the epochs", 7)]
    [InlineData("a population unlike max_trials", "quantile: 0.25", "population: 8", "search.scheduler_options.population", "must match", 7)]
    [InlineData("searched epochs", "  epochs: 6\nspace:\n", "  optimizer: adam\nspace:\n  epochs: { choice: [4, 6] }\n", "space.epochs", "same epochs", 12)]
    [InlineData("nothing to explore", "  learning_rate: { loguniform: [1.0e-4, 1.0e-2] }\n  dropout: { uniform: [0.1, 0.5] }", "", "space", "nothing to explore", 11)]
    public async Task A_pbt_spec_it_cannot_run_is_refused_with_key_and_line(string name, string find, string replace, string field, string message, int line)
    {
        FashionMnist.Require();
        Assert.Contains(find, Valid);
        var path = CliRunner.WriteSpec(Valid.Replace(find, replace, StringComparison.Ordinal));

        var result = await CliRunner.RunAsync("validate", path);

        Assert.True(result.ExitCode == 2, $"{name}: exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var expected = $"{path}:{line}: {field}: ";
        Assert.True(result.Stderr.Split('\n').Any(x => x.Contains(expected, StringComparison.Ordinal) && x.Contains(message, StringComparison.Ordinal)),
            $"{name}: expected a line with '{expected}' and '{message}', got:\n{result.Stderr}");
    }

    [Fact]
    public async Task A_valid_pbt_spec_validates()
    {
        FashionMnist.Require();
        var result = await CliRunner.RunAsync("validate", CliRunner.WriteSpec(Valid));
        Assert.True(result.ExitCode == 0, result.Stderr);
    }
}
