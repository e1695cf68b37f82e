using System.IO.Compression;
using System.Text.RegularExpressions;
using HyperSearch.Cli.Reports;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Tests;

/// <summary>The report's charts read right (whole-epoch ticks, a colour key for the parallel coordinates, importance
/// shares), and `validate` reads the data, so a truncated download is caught before anything starts.</summary>
public sealed partial class ReportPolishTests
{
    private static SearchResults Results(int trials, int epochs)
    {
        var records = Enumerable.Range(0, trials).Select(i => new TrialRecord(i,
            new Dictionary<string, object> { ["dropout"] = 0.1 + i * 0.1, ["batch_size"] = i % 2 == 0 ? 32L : 64L },
            TrialState.Completed, 1,
            Enumerable.Range(1, epochs).Select(e => new EpochMetrics(e, new Dictionary<string, double>
            {
                [EpochMetrics.ValAccuracy] = 0.5 + i * 0.05 + e * 0.01,
                [EpochMetrics.EpochSeconds] = 2,
            })).ToList(),
            null, 1000, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(10), 0.5 + i * 0.05 + epochs * 0.01)).ToList();
        return new SearchResults("s", "s", "completed", "done", EpochMetrics.ValAccuracy, true, trials, 60, DateTimeOffset.UnixEpoch,
            records, trials - 1, 0.8, null, null, null);
    }

    [Fact]
    public void Learning_curves_tick_whole_epochs_only()
    {
        // Three epochs invite ticks at 1.5 and 2.5 from an automatic numeric axis.
        var svg = ReportCharts.Svg(ReportCharts.LearningCurves(Results(3, 3)));
        var labels = TextElements().Matches(svg).Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.Contains("2", labels);
        Assert.DoesNotContain(labels, l => l is "1.5" or "2.5" or "1.2" or "2.8");
    }

    [Fact]
    public void Parallel_coordinates_have_a_colour_key_from_the_worst_to_the_best_objective()
    {
        var svg = ReportCharts.Svg(ReportCharts.ParallelCoordinates(Results(4, 2)));
        Assert.Contains("val_accuracy 0.670", svg); // the best: 0.5 + 3×0.05 + 0.02
        Assert.Contains("val_accuracy 0.520", svg); // the worst
    }

    [Fact]
    public void Parameter_importance_caption_says_the_shares_sum_to_one_or_why_not()
    {
        Assert.Contains("sum to 1", ReportCharts.Importance(Results(4, 2)).Caption);
        Assert.StartsWith("Not computed: 1 trial(s)", ReportCharts.Importance(Results(1, 2)).Caption);
    }

    [Fact]
    public async Task Validate_reads_the_data_and_refuses_a_truncated_download()
    {
        FashionMnist.Require();
        var dir = Path.Combine(Path.GetTempPath(), $"hs-truncated-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(FashionMnist.Directory, "*.gz"))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        // Cut the training images off halfway, as an interrupted download leaves them.
        var images = Path.Combine(dir, "train-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(images);
        File.WriteAllBytes(images, bytes[..(bytes.Length / 2)]);
        var spec = CliRunner.WriteSpec($"""
            name: truncated
            dataset: {"{"} name: fashion-mnist, path: {dir} {"}"}
            search: {"{"} sampler: random, max_trials: 1 {"}"}
            training: {"{"} epochs: 1 {"}"}
            """);

        var result = await CliRunner.RunAsync("validate", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("train-images-idx3-ubyte.gz", result.Stderr);
        Assert.Matches("truncated|corrupt", result.Stderr);
        Directory.Delete(dir, recursive: true);
    }

    [GeneratedRegex(@"<text[^>]*>([^<]*)</text>")]
    private static partial Regex TextElements();
}
