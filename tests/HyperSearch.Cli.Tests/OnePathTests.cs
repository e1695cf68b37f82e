using HyperSearch.Specs;

namespace HyperSearch.Cli.Tests;

/// <summary>`hypersearch run` reads, parses and checks its spec once: the embedded coordinator admits the very spec
/// the CLI checked, and the run directory keeps the text that was read.</summary>
public sealed class OnePathTests
{
    private const string Spec = """
        # kept verbatim in the run directory
        name: one-path
        dataset:
          name: fashion-mnist
          train_subset: 600
        search:
          sampler: random
          max_trials: 1
        training:
          epochs: 1
          conv1_filters: 8
          conv2_filters: 16
          dense_units: 32
        """;

    [Fact]
    public async Task Run_checks_its_spec_once_and_keeps_the_text_it_read()
    {
        FashionMnist.Require();
        var runs = Path.Combine(Path.GetTempPath(), $"hs-runs-{Guid.NewGuid():N}");
        var before = SpecAdmission.FullChecks;

        var result = await CliRunner.RunAsync("run", CliRunner.WriteSpec(Spec), "--json", "--run-dir", runs, "--id", "one-path");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        // The CLI's check; the coordinator's admission (in this process) found the same spec object admitted.
        Assert.Equal(1, SpecAdmission.FullChecks - before);
        Assert.Equal(Spec, File.ReadAllText(Path.Combine(runs, "one-path", RunDirectory.SpecFile)));
    }

    [Fact]
    public void Only_the_admitted_object_at_the_same_or_a_lighter_data_check_skips_checking()
    {
        var admitted = SpecLoader.ParseChecked(Spec, "one-path.yaml", null, DataChecks.None);
        var before = SpecAdmission.FullChecks;

        Assert.Same(admitted.Result, SpecAdmission.Check(admitted.Spec, null, DataChecks.None));
        Assert.Equal(before, SpecAdmission.FullChecks);

        // A closer look at the data, another data folder, or an equal spec that is another object (one deserialized
        // from a remote client's call) is checked in full.
        Assert.True(SpecAdmission.Check(admitted.Spec, null, DataChecks.Probe).Valid);
        Assert.True(SpecAdmission.Check(admitted.Spec, "/nonexistent-data", DataChecks.None).Valid);
        Assert.True(SpecAdmission.Check(admitted.Spec with { }, null, DataChecks.None).Valid);
        Assert.Equal(before + 3, SpecAdmission.FullChecks);
    }
}
