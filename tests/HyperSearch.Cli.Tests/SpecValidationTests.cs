namespace HyperSearch.Cli.Tests;

/// <summary>Every bad spec is refused before anything starts: exit code 2, and a message naming the field and line.</summary>
public sealed class SpecValidationTests
{
    private const string Valid = """
        name: t
        dataset:
          name: fashion-mnist
          train_subset: 2000
        search:
          sampler: random
          max_trials: 2
        training:
          epochs: 1
        space:
          conv1_filters: { choice: [16, 32] }
          dropout: { uniform: [0.1, 0.5] }
        """;

    [Theory]
    [InlineData("unknown top-level key", "search:\n", "serach:\n", "serach", "unknown key 'serach'", 5)]
    [InlineData("wrong type", "max_trials: 2", "max_trials: many", "search.max_trials", "expected an integer, got 'many'", 7)]
    [InlineData("empty choice", "choice: [16, 32]", "choice: []", "space.conv1_filters.choice", "choice is empty", 11)]
    [InlineData("low above high", "uniform: [0.1, 0.5]", "uniform: [0.5, 0.1]", "space.dropout.uniform", "low must be below high", 12)]
    [InlineData("log range with zero", "dropout: { uniform: [0.1, 0.5] }", "learning_rate: { loguniform: [0, 0.1] }", "space.learning_rate.loguniform", "positive bounds", 12)]
    [InlineData("dropout of 1.5", "uniform: [0.1, 0.5]", "uniform: [0.2, 1.5]", "space.dropout", "dropout", 12)]
    [InlineData("zero batch size", "dropout: { uniform: [0.1, 0.5] }", "batch_size: { choice: [0, 64] }", "space.batch_size", "batch_size", 12)]
    [InlineData("zero epochs", "epochs: 1", "epochs: 0", "training.epochs", "epochs", 9)]
    [InlineData("unknown dataset", "name: fashion-mnist", "name: imagenet", "dataset.name", "unknown dataset 'imagenet'", 3)]
    [InlineData("missing files", "name: fashion-mnist", "name: mnist\n  path: /nonexistent/mnist", "dataset.path", "/nonexistent/mnist", 4)]
    [InlineData("architecture too deep for 28x28", "dropout: { uniform: [0.1, 0.5] }", "conv_layers: 4\n  conv_kernel: { choice: [3, 5] }", "space", "feature map", null)]
    [InlineData("misspelt knob", "conv1_filters:", "conv1_filtrs:", "space.conv1_filtrs", "did you mean 'conv1_filters'", 11)]
    [InlineData("unknown sampler", "sampler: random", "sampler: bayes", "search.sampler", "bayes", 6)]
    [InlineData("bad duration", "max_trials: 2", "max_trials: 2\n  time_budget: soon", "search.time_budget", "duration", 8)]
    [InlineData("grid over a continuous range", "sampler: random", "sampler: grid", "space.dropout", "grid search needs finite domains", 12)]
    [InlineData("missing dataset", "dataset:\n  name: fashion-mnist\n  train_subset: 2000\n", "", "dataset", "is required", 1)]
    [InlineData("not YAML", "space:", "space: [", "(document)", "not valid YAML", null)]
    [InlineData("bad mode", "max_trials: 2", "max_trials: 2\n  mode: sideways", "search.mode", "must be max or min", 8)]
    [InlineData("validation fraction above 1", "train_subset: 2000", "validation_fraction: 1.5", "dataset.validation_fraction", "(0, 1)", 4)]
    [InlineData("unknown key in a domain", "choice: [16, 32] }", "choice: [16, 32], step: 2 }", "space.conv1_filters.step", "unknown key 'step'", 11)]
    [InlineData("knob fixed and searched", "epochs: 1", "epochs: 1\n  dropout: 0.3", "space.dropout", "also fixed under training", 13)]
    [InlineData("unknown scheduler option", "max_trials: 2", "max_trials: 2\n  scheduler: asha\n  scheduler_options: { eta: 3 }", "search.scheduler", "eta", 8)]
    [InlineData("negative failures allowed", "max_trials: 2", "max_trials: 2\n  max_failed_trials: -1", "search.max_failed_trials", "0 or more", 8)]
    [InlineData("command given as a string", "name: t", "name: t\ntrainer:\n  command: train.py", "trainer.command", "non-empty list", 3)]
    public async Task Bad_spec_is_refused_with_field_line_and_reason(string name, string find, string replace, string field, string message, int? line)
    {
        FashionMnist.Require();
        Assert.Contains(find, Valid);
        var path = CliRunner.WriteSpec(Valid.Replace(find, replace, StringComparison.Ordinal));

        var result = await CliRunner.RunAsync("validate", path);

        Assert.True(result.ExitCode == 2, $"{name}: exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: invalid spec", lines[0]);
        var expected = line is { } l ? $"{path}:{l}: {field}: " : $": {field}: ";
        Assert.True(lines.Any(x => x.Contains(expected, StringComparison.Ordinal) && x.Contains(message, StringComparison.Ordinal)),
            $"{name}: expected a line with '{expected}' and '{message}', got:\n{result.Stderr}");
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var path = CliRunner.WriteSpec(Valid.Replace("max_trials: 2", "max_trials: 0").Replace("choice: [16, 32]", "choice: []"));
        var result = await CliRunner.RunAsync("validate", path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("search.max_trials", result.Stderr);
        Assert.Contains("space.conv1_filters.choice", result.Stderr);
        Assert.Contains("(2 problems)", result.Stderr);
    }

    [Fact]
    public async Task The_valid_spec_and_every_example_validate()
    {
        FashionMnist.Require();
        var valid = await CliRunner.RunAsync("validate", CliRunner.WriteSpec(Valid));
        Assert.True(valid.ExitCode == 0, valid.Stderr);

        var examples = Path.Combine(RepoRoot.Path, "examples");
        foreach (var example in new[] { "quickstart.yaml", "fashion-mnist.yaml", "fashion-mnist-30m.yaml" })
        {
            var result = await CliRunner.RunAsync("validate", Path.Combine(examples, example));
            Assert.True(result.ExitCode == 0, $"{example}: {result.Stderr}");
        }

        // CIFAR-10 cannot be downloaded here: its shape is known, so everything but the files is checked.
        var cifar = await CliRunner.RunAsync("validate", Path.Combine(examples, "cifar10-seed.yaml"), "--skip-data-check");
        Assert.True(cifar.ExitCode == 0, cifar.Stderr);
        var cifarWithData = await CliRunner.RunAsync("validate", Path.Combine(examples, "cifar10-seed.yaml"));
        Assert.Equal(2, cifarWithData.ExitCode);
        Assert.Contains("dataset.path", cifarWithData.Stderr);
    }

    [Fact]
    public async Task Json_specs_are_accepted()
    {
        FashionMnist.Require();
        var json = """
            {"name": "j", "dataset": {"name": "fashion-mnist"}, "search": {"max_trials": 1},
             "space": {"dropout": {"uniform": [0.1, 0.4]}, "optimizer": {"choice": ["adam", "sgd"]}}}
            """;
        var result = await CliRunner.RunAsync("validate", CliRunner.WriteSpec(json));
        Assert.True(result.ExitCode == 0, result.Stderr);
    }
}
