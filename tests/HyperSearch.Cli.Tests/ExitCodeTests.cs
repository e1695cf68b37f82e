namespace HyperSearch.Cli.Tests;

public sealed class ExitCodeTests
{
    [Fact]
    public async Task No_command_is_bad_input_and_prints_usage()
    {
        var result = await CliRunner.RunAsync();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("usage:", result.Stdout);
    }

    [Fact]
    public async Task Help_succeeds()
    {
        var result = await CliRunner.RunAsync("--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("hypersearch run SPEC", result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "launch" }, "unknown command 'launch'")]
    [InlineData(new[] { "run" }, "missing SPEC")]
    [InlineData(new[] { "run", "/no/such/spec.yaml" }, "no such file")]
    [InlineData(new[] { "run", "x.yaml", "--slots", "zero" }, "--slots must be an integer")]
    [InlineData(new[] { "run", "x.yaml", "--colour" }, "unknown option --colour")]
    [InlineData(new[] { "run", "x.yaml", "--slots" }, "option --slots needs a value")]
    [InlineData(new[] { "search", "explode", "x" }, "unknown search subcommand 'explode'")]
    [InlineData(new[] { "search", "status" }, "missing ID")]
    [InlineData(new[] { "search", "start", "x.yaml", "--gateway", "nonsense" }, "gateway 'nonsense' is not host:port")]
    [InlineData(new[] { "search", "start", "/no/such/spec.yaml" }, "no such file")]
    [InlineData(new[] { "run", "x.yaml", "--run-dir", "--json" }, "option --run-dir needs a value")]
    [InlineData(new[] { "report", "x", "-o", "a.html", "-o", "b.html" }, "option --output was given more than once")]
    [InlineData(new[] { "run", "x.yaml", "y.yaml" }, "unexpected argument 'y.yaml'")]
    [InlineData(new[] { "knobs", "--json" }, "unknown option --json")]
    [InlineData(new[] { "model" }, "missing a model subcommand (export or evaluate")]
    [InlineData(new[] { "search", "cancel", "x", "--run-dir", "runs" }, "unknown option --run-dir")]
    [InlineData(new[] { "model", "export", "x", "-o", "out", "--trial", "-1" }, "--trial must be an integer ≥ 0, got '-1'")]
    public async Task Bad_input_exits_2_with_one_clear_line_first(string[] args, string message)
    {
        var result = await CliRunner.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        // The first line alone must say what is wrong: not a generic header with the reason further down,
        // and no stack trace anywhere.
        var first = result.Stderr.Split('\n')[0];
        Assert.StartsWith("error: ", first);
        Assert.Contains(message, first);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    [Fact]
    public void The_overview_describes_every_command_even_one_it_has_no_text_for()
    {
        var root = CliCommands.Root(new Parsing.CliOutput(TextWriter.Null, TextWriter.Null));
        root.Add(new System.CommandLine.Command("extra", "does something new"));

        var overview = CliCommands.Overview(root);

        foreach (var command in root.Subcommands.Select(c => c.Name))
        {
            Assert.Matches($@"hypersearch {command}\b", overview);
        }

        Assert.Contains("  hypersearch extra ...\n      does something new\n\nhypersearch COMMAND --help", overview);
    }

    [Fact]
    public async Task A_commands_help_lists_its_own_options()
    {
        var result = await CliRunner.RunAsync("search", "start", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("hypersearch search start <SPEC> [options]", result.Stdout);
        Assert.Contains("--gateway <HOST:PORT>", result.Stdout);
        Assert.DoesNotContain("--png-dir", result.Stdout);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_a_failure_not_bad_input()
    {
        var result = await CliRunner.RunAsync("search", "list", "--gateway", "127.0.0.1:1", "--connect-timeout", "3");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: cannot connect to the cluster at 127.0.0.1:1", result.Stderr);
    }

    [Fact]
    public async Task Knobs_lists_the_seed_models_knobs()
    {
        var result = await CliRunner.RunAsync("knobs");
        Assert.Equal(0, result.ExitCode);
        foreach (var knob in new[] { "conv_layers", "dropout", "init", "learning_rate", "batch_size", "optimizer" })
        {
            Assert.Contains(knob, result.Stdout);
        }
    }
}
