using System.Text.Json;
using System.Text.RegularExpressions;
using HyperSearch.Cli.Tests.Diagnostics;
using Xunit.Abstractions;

namespace HyperSearch.Cli.Tests.Reports;

[Collection(OverfitRunCollection.Name)]
public sealed partial class ReportTests(OverfitRunFixture run, ITestOutputHelper output)
{
    private static readonly string[] Charts = ["learning-curves", "best-so-far", "parallel-coordinates", "parameter-importance"];

    [Fact]
    public async Task Report_renders_in_headless_chromium_with_every_chart_and_no_console_errors()
    {
        Chromium.Require();
        var dir = Path.Combine(Path.GetTempPath(), $"hs-report-{Guid.NewGuid():N}");
        var html = Path.Combine(dir, "report.html");
        var result = await CliRunner.RunAsync("report", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "-o", html, "--json");
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using var written = JsonDocument.Parse(result.StdoutLines[^1]);
        Assert.Equal(Charts, written.RootElement.GetProperty("charts").EnumerateArray().Select(c => c.GetString()));
        foreach (var png in written.RootElement.GetProperty("pngs").EnumerateArray())
        {
            var bytes = File.ReadAllBytes(png.GetString()!);
            Assert.True(bytes.Length > 5000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{png} is not a PNG chart");
        }

        // Self-contained: nothing is fetched from anywhere (the page's CSP forbids it too).
        var page = File.ReadAllText(html);
        Assert.DoesNotMatch(ExternalReference(), page);

        var url = new Uri(html).AbsoluteUri;
        var (code, dom, log) = await Chromium.RunAsync(url, "--dump-dom");
        Assert.True(code == 0, $"chromium exited {code}:\n{log}");
        Assert.Contains($"data-rendered=\"{Charts.Length}\"", dom);
        foreach (var chart in Charts)
        {
            Assert.Matches($"<figure class=\"chart\" id=\"{chart}\" data-rendered=\"true\">", dom);
        }

        Assert.Contains("data-errors=\"\"", dom);
        Assert.Contains("id=\"leaderboard\"", dom);
        Assert.Contains("data-kind=\"overfitting\"", dom);
        Assert.Empty(Chromium.ConsoleErrors(log));

        var screenshot = Path.Combine(RepoRoot.Path, "TestResults", "report.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        var shot = await Chromium.RunAsync(url, $"--screenshot={screenshot}", "--window-size=1100,3600");
        Assert.True(shot.ExitCode == 0 && File.Exists(screenshot), $"no screenshot (exit {shot.ExitCode}):\n{shot.Stderr}");
        Assert.Empty(Chromium.ConsoleErrors(shot.Stderr));
        Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot is suspiciously small (a blank page?)");
        output.WriteLine($"report screenshot: {screenshot}");
        Console.WriteLine($"report screenshot: {screenshot}");
    }

    [Fact]
    public async Task Export_writes_every_trial_and_epoch_as_csv_and_json()
    {
        var csv = await CliRunner.RunAsync("search", "export", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.Stderr);
        var lines = csv.StdoutLines;
        var header = lines[0].Split(',');
        foreach (var column in new[] { "trial", "state", "param_learning_rate", "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "epoch_seconds", "images_per_s", "duration_seconds" })
        {
            Assert.Contains(column, header);
        }

        Assert.Equal(1 + 2 * 12, lines.Length); // two trials × twelve epochs

        var file = Path.Combine(Path.GetTempPath(), $"hs-export-{Guid.NewGuid():N}.json");
        var json = await CliRunner.RunAsync("search", "export", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--format", "json", "-o", file);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var trials = doc.RootElement.GetProperty("trials");
        Assert.Equal(2, trials.GetArrayLength());
        foreach (var trial in trials.EnumerateArray())
        {
            Assert.Equal("completed", trial.GetProperty("state").GetString());
            Assert.True(trial.GetProperty("parameters").TryGetProperty("learning_rate", out _));
            Assert.True(trial.GetProperty("duration_seconds").GetDouble() > 0);
            var epochs = trial.GetProperty("epochs");
            Assert.Equal(12, epochs.GetArrayLength());
            Assert.True(epochs[0].GetProperty("val_accuracy").GetDouble() > 0);
        }

        var bad = await CliRunner.RunAsync("search", "export", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--format", "xml");
        Assert.Equal(2, bad.ExitCode);
    }

    [Fact]
    public async Task Exported_model_evaluates_to_the_searchs_test_accuracy_from_its_files_alone()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"hs-model-{Guid.NewGuid():N}");
        var export = await CliRunner.RunAsync("model", "export", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "-o", dir, "--json");
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);
        foreach (var file in new[] { "model.json", "weights.bin" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        }

        using (var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.json"))))
        {
            var root = model.RootElement;
            Assert.Equal(0.003, root.GetProperty("config").GetProperty("learning_rate").GetDouble());
            var mean = root.GetProperty("normalization").GetProperty("mean")[0].GetDouble();
            var std = root.GetProperty("normalization").GetProperty("std")[0].GetDouble();
            Assert.InRange(mean, 60, 80); // Fashion-MNIST's training split in raw [0,255] pixels: mean ≈ 72.9, std ≈ 90
            Assert.InRange(std, 80, 100);
        }

        // Copy the folder away from the run: evaluation needs nothing but these files and the test images.
        var copy = Path.Combine(Path.GetTempPath(), $"hs-model-copy-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(dir))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var evaluate = await CliRunner.RunAsync("model", "evaluate", copy, "--dataset", "fashion-mnist", "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stdout + evaluate.Stderr);
        using var result = JsonDocument.Parse(evaluate.StdoutLines[^1]);
        var expected = run.Summary.GetProperty("test_accuracy").GetDouble();
        Assert.Equal(expected, result.RootElement.GetProperty("test_accuracy").GetDouble(), 9);
        Assert.Equal(10000, result.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Exported_normalization_is_the_training_splits_statistics_and_not_the_test_splits()
    {
        // Fashion-MNIST's train and test splits have nearly the same statistics, so the model above cannot tell
        // train-only statistics from train+test ones. Here the test split is twice as bright (its mean and std
        // double): train-only and train+test statistics are far apart. The scale check refuses such a split, so the
        // spec lets it through with allow_distribution_shift, as a user who means it would.
        const int train = 200, test = 50;
        var npz = MismatchDiagnosticTests.WriteNpz(trainScale: 1f, testScale: 2f, train, test);
        var trainPixels = MismatchDiagnosticTests.Images(train, 1, 1f).Pixels.Select(p => (double)p).ToArray();
        var testPixels = MismatchDiagnosticTests.Images(test, 2, 2f).Pixels.Select(p => (double)p).ToArray();
        var (trainMean, trainStd) = MeanStd(trainPixels);
        var (allMean, allStd) = MeanStd([.. trainPixels, .. testPixels]);
        Assert.True(allMean - trainMean > 5 && allStd - trainStd > 5, $"the data does not separate the two: {trainMean}/{trainStd} vs {allMean}/{allStd}");

        var runs = Path.Combine(Path.GetTempPath(), $"hs-norm-{Guid.NewGuid():N}");
        var spec = CliRunner.WriteSpec($$"""
            name: norm
            dataset: { name: npz, path: {{npz}}, validation_fraction: 0.1, allow_distribution_shift: true }
            search: { max_trials: 1 }
            training: { epochs: 1, conv1_filters: 4, conv2_filters: 4, dense_units: 8 }
            """);
        var search = await CliRunner.RunAsync("run", spec, "--json", "--run-dir", runs, "--id", "norm");
        Assert.True(search.ExitCode == 0, search.Stdout + search.Stderr);
        var dir = Path.Combine(Path.GetTempPath(), $"hs-norm-model-{Guid.NewGuid():N}");
        var export = await CliRunner.RunAsync("model", "export", "norm", "--run-dir", runs, "-o", dir, "--json");
        Assert.True(export.ExitCode == 0, export.Stdout + export.Stderr);

        using var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.json")));
        var normalization = model.RootElement.GetProperty("normalization");
        var mean = normalization.GetProperty("mean")[0].GetDouble();
        var std = normalization.GetProperty("std")[0].GetDouble();
        // The validation images (10%, every class alike) are left out of the statistics, which moves them by
        // well under 1; test images mixed in would move them by more than 5.
        Assert.True(Math.Abs(mean - trainMean) < 1, $"mean {mean}: training split {trainMean}, train+test {allMean}");
        Assert.True(Math.Abs(std - trainStd) < 1, $"std {std}: training split {trainStd}, train+test {allStd}");
    }

    private static (double Mean, double Std) MeanStd(double[] values)
    {
        var mean = values.Average();
        return (mean, Math.Sqrt(values.Average(v => (v - mean) * (v - mean))));
    }

    [Fact]
    public async Task Diagnose_names_the_epoch_the_overfit_trial_starts_overfitting()
    {
        var result = await CliRunner.RunAsync("diagnose", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.StdoutLines[^1]);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().ToList();
        var overfit = findings.FirstOrDefault(f => f.GetProperty("kind").GetString() == "overfitting" && f.GetProperty("trial").ValueKind == JsonValueKind.Number);
        Assert.True(overfit.ValueKind == JsonValueKind.Object, $"no overfitting finding in {result.Stdout}");
        var trial = overfit.GetProperty("trial").GetInt32();
        var epoch = overfit.GetProperty("epoch").GetInt32();
        Assert.InRange(epoch, 2, 12);
        Assert.Contains($"overfits from epoch {epoch}", overfit.GetProperty("message").GetString());
        Assert.Contains("dropout", overfit.GetProperty("suggestion").GetString());
        output.WriteLine(overfit.GetProperty("message").GetString());

        // The overfit trial is the one that learns (learning rate 0.003): train accuracy near 1, val far below.
        var trials = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.RunDir, "trials.json"))).RootElement;
        var record = trials.EnumerateArray().First(t => t.GetProperty("number").GetInt32() == trial);
        var last = record.GetProperty("epochs")[11].GetProperty("values");
        Assert.True(last.GetProperty("train_accuracy").GetDouble() - last.GetProperty("val_accuracy").GetDouble() > 0.1, record.ToString());

        var text = await CliRunner.RunAsync("diagnose", OverfitRunFixture.SearchId, "--run-dir", run.Runs);
        Assert.Contains("suggestion:", text.Stdout);
    }

    [Fact]
    public async Task Search_read_commands_work_on_the_local_run_directory_with_json()
    {
        var status = await CliRunner.RunAsync("search", "status", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--json");
        Assert.True(status.ExitCode == 0, status.Stderr);
        using var doc = JsonDocument.Parse(status.StdoutLines[^1]);
        Assert.Equal("completed", doc.RootElement.GetProperty("state").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("trials").GetProperty("completed").GetInt32());
        Assert.Equal(run.Summary.GetProperty("test_accuracy").GetDouble(), doc.RootElement.GetProperty("test_accuracy").GetDouble());

        var trials = await CliRunner.RunAsync("search", "trials", OverfitRunFixture.SearchId, "--run-dir", run.Runs, "--json");
        Assert.Equal(2, JsonDocument.Parse(trials.StdoutLines[^1]).RootElement.GetArrayLength());

        var best = await CliRunner.RunAsync("search", "best", OverfitRunFixture.SearchId, "--run-dir", run.Runs);
        Assert.True(best.ExitCode == 0, best.Stderr);
        Assert.Contains("learning_rate: 0.003", best.Stdout);

        var missing = await CliRunner.RunAsync("report", "no-such-search", "--run-dir", run.Runs);
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("error: no run directory for 'no-such-search'", missing.Stderr);
    }

    [GeneratedRegex(@"(src|href)\s*=\s*[""']?(https?:|//)", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
