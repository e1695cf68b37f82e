using HyperSearch.Cli.Commands;
using HyperSearch.Contracts.Trials;
using HyperSearch.Specs;

namespace HyperSearch.Cli.Tests;

/// <summary>`run --warm-start` keeps only the earlier trials that fit the new space, counts the rest, and the run
/// directory keeps the selection for a resumed run and the report.</summary>
public sealed class WarmStartTests
{
    private const string Spec = """
        name: warm
        dataset: fashion-mnist
        search:
          sampler: tpe
          max_trials: 4
        training:
          epochs: 2
        space:
          conv1_filters: { choice: [16, 32] }
          dropout: { uniform: [0.1, 0.5] }
        """;

    private static readonly TrialRecord[] Earlier =
    [
        Trial(0, TrialState.Completed, 16L, 0.2),   // fits
        Trial(1, TrialState.Completed, 64L, 0.2),   // 64 filters: not a choice any more
        Trial(2, TrialState.Pruned, 32L, 0.45),     // fits (pruned trials inform the sampler too)
        Trial(3, TrialState.Completed, 32L, 0.7),   // dropout outside the new range
        Trial(4, TrialState.Failed, 16L, 0.3),      // failed: not finished, neither imported nor counted
        Trial(5, TrialState.Completed, 16L, 0.3, ("batch_size", 64L)), // a parameter the new space lacks
    ];

    [Fact]
    public void Only_compatible_finished_trials_are_imported_and_the_rest_are_counted()
    {
        var spec = SpecParser.Parse(Spec).Spec!;
        var warm = WarmStartImport.Select("earlier", Earlier, spec);
        Assert.Equal([0, 2], warm.Trials.Select(t => t.SourceNumber));
        Assert.Equal(3, warm.Skipped);
        Assert.Equal("earlier", warm.Source);
    }

    [Fact]
    public void The_selection_survives_the_run_directory()
    {
        var dir = Directory.CreateTempSubdirectory("warm-start-").FullName;
        try
        {
            var warm = WarmStartImport.Select("earlier", Earlier, SpecParser.Parse(Spec).Spec!);
            WarmStartImport.Save(dir, warm);
            var read = WarmStartImport.Read(dir)!;
            Assert.Equal(warm.Trials.Select(t => (t.SourceNumber, t.State, t.Epochs.Count)), read.Trials.Select(t => (t.SourceNumber, t.State, t.Epochs.Count)));
            Assert.Equal(0.45, Convert.ToDouble(read.Trials[1].Parameters["dropout"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Null(WarmStartImport.Read(Path.Combine(dir, "missing")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static TrialRecord Trial(int number, TrialState state, long filters, double dropout, params (string Name, object Value)[] extra)
    {
        var parameters = new Dictionary<string, object> { ["conv1_filters"] = filters, ["dropout"] = dropout };
        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        return new(number, parameters, state, 1,
            [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.8 })], null, 1000, null, null, null, 0.8);
    }
}
