using System.Globalization;
using System.Text.Json;
using HyperSearch.Cli.Diagnostics;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Reports;
using HyperSearch.Cli.Results;
using HyperSearch.Training;

namespace HyperSearch.Cli.Commands;

/// <summary>
/// The read commands over a finished (or running) search — `search export`, `diagnose`, `report`, `model export` —
/// on a local run directory (./runs/ID or --run-dir DIR) or a cluster (--gateway forces it), and `model evaluate`.
/// </summary>
internal static class ResultCommands
{
    public const string Usage = $"""
          hypersearch search export ID --format csv|json [-o FILE] {ResultsLoader.Options}
              every trial with parameters, state, per-epoch metrics and timings
          hypersearch diagnose ID [--json] {ResultsLoader.Options}
              overfitting, divergence, preprocessing mismatch and near-chance searches, with suggestions
          hypersearch report ID [-o report.html] [--png-dir DIR] [--json] {ResultsLoader.Options}
              one self-contained HTML page (learning curves, best so far, parallel coordinates, importance,
              leaderboard, diagnostics) plus PNGs of the charts beside it
          hypersearch model export ID -o DIR [--trial N] [--json] {ResultsLoader.Options}
              the best (or given) trial's weights, configuration and normalization statistics
          hypersearch model evaluate DIR [--dataset NAME|PATH] [--data-path PATH] [--allow-distribution-shift] [--json]
              test accuracy of an exported model from its files alone; test data scaled unlike the
              model's training data is refused (exit 2) unless --allow-distribution-shift
          search status|best|trials ID read ./runs/ID (or --run-dir DIR) when it exists and no --gateway is given
        """;

    public static async Task<int> ExportAsync(CliArguments args, TextWriter stdout)
    {
        var id = args.Positional(2, "ID (a search id or a run directory name)");
        var format = (args.Option("format") ?? (args.Flag("json") ? "json" : "csv")).ToLowerInvariant();
        var output = args.Option("output");
        var load = ResultsLoader.Prepare(args, id, args.Flag("verbose"));
        args.RejectUnknown();
        if (format is not ("csv" or "json"))
        {
            throw new UsageException($"--format must be csv or json, got '{format}'");
        }

        var results = await load();
        var text = format == "csv" ? TrialExport.Csv(results) : TrialExport.JsonDocument(results);
        if (output is null)
        {
            stdout.Write(text);
        }
        else
        {
            File.WriteAllText(output, text);
            stdout.WriteLine($"wrote {results.Trials.Count} trial(s) of {results.SearchId} as {format} to {Path.GetFullPath(output)}");
        }

        return ExitCodes.Success;
    }

    public static async Task<int> DiagnoseAsync(CliArguments args, TextWriter stdout, int idIndex)
    {
        var id = args.Positional(idIndex, "ID (a search id or a run directory name)");
        var json = args.Flag("json");
        var load = ResultsLoader.Prepare(args, id, args.Flag("verbose"));
        args.RejectUnknown();
        var results = await load();
        var findings = results.Findings();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { search_id = results.SearchId, findings }, Json.Compact));
        }
        else
        {
            Print(stdout, findings);
        }

        return ExitCodes.Success;
    }

    public static async Task<int> ReportAsync(CliArguments args, TextWriter stdout)
    {
        var id = args.Positional(1, "ID (a search id or a run directory name)");
        var json = args.Flag("json");
        var output = args.Option("output") ?? "report.html";
        var pngDir = args.Option("png-dir");
        var load = ResultsLoader.Prepare(args, id, args.Flag("verbose"));
        args.RejectUnknown();
        var results = await load();
        var written = HtmlReport.Write(results, output, pngDir);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { search_id = results.SearchId, html = written.Html, pngs = written.Pngs, charts = written.Charts, findings = written.Findings }, Json.Compact));
        }
        else
        {
            stdout.WriteLine($"report: {written.Html}");
            foreach (var png in written.Pngs)
            {
                stdout.WriteLine($"chart:  {png}");
            }

            Print(stdout, written.Findings);
        }

        return ExitCodes.Success;
    }

    public static async Task<int> ModelAsync(CliArguments args, TextWriter stdout, TextWriter stderr)
    {
        var verb = args.Positional(1, "a model subcommand (export, evaluate)");
        return verb switch
        {
            "export" => await ModelExportAsync(args, stdout),
            "evaluate" => ModelEvaluate(args, stdout, stderr),
            _ => throw new UsageException($"unknown model subcommand '{verb}' (expected export or evaluate)"),
        };
    }

    private static async Task<int> ModelExportAsync(CliArguments args, TextWriter stdout)
    {
        var id = args.Positional(2, "ID (a search id or a run directory name)");
        var json = args.Flag("json");
        var output = args.Option("output") ?? throw new UsageException("missing -o DIR (where to write the model)");
        var trialNumber = args.IntOption("trial", min: 0);
        var dataDirectory = args.Option("data-dir");
        var load = ResultsLoader.Prepare(args, id, args.Flag("verbose"));
        args.RejectUnknown();
        var results = await load();
        var trial = trialNumber is { } n
            ? results.Trials.FirstOrDefault(t => t.Number == n) ?? throw new UsageException($"search {results.SearchId} has no trial {n}")
            : results.Best ?? throw new UsageException($"search {results.SearchId} has no completed trial to export");
        var spec = results.Spec ?? throw new UsageException($"search {results.SearchId}: its spec is unknown, so its dataset is too");

        // The trial trained on the spec's fixed knobs merged with its sampled ones.
        var knobs = new Dictionary<string, object>(spec.Training.ToDictionary(p => p.Key, p => ExportedModel.Plain(p.Value)), StringComparer.Ordinal);
        foreach (var (name, value) in trial.Parameters)
        {
            knobs[name] = value;
        }

        var checkpoint = results.CheckpointDirectoryOf(trial.Number);
        var dataset = Runners.DatasetLocation.OptionsFor(spec.Dataset, dataDirectory);
        var model = await Task.Run(() => ModelExport.Export(checkpoint, knobs, dataset, output, results.SearchId, trial.Number,
            trial.Epochs.LastOrDefault()?.Get(Contracts.Trials.EpochMetrics.ValAccuracy)));
        var dir = Path.GetFullPath(output);
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { search_id = results.SearchId, trial = trial.Number, directory = dir, config = model.Config, normalization = model.Normalization }, Json.Compact));
        }
        else
        {
            stdout.WriteLine($"exported trial {trial.Number} of {results.SearchId} to {dir}");
            stdout.WriteLine($"  model:         {model.Architecture}");
            stdout.WriteLine($"  normalization: mean [{string.Join(", ", model.Normalization.Mean.Select(F))}], std [{string.Join(", ", model.Normalization.Std.Select(F))}] (training split)");
            stdout.WriteLine($"  files:         {ExportedModel.FileName}, {ExportedModel.WeightsFileName}");
        }

        return ExitCodes.Success;
    }

    private static int ModelEvaluate(CliArguments args, TextWriter stdout, TextWriter stderr)
    {
        var dir = args.Positional(2, "DIR (an exported model)");
        var json = args.Flag("json");
        var datasetOption = args.Option("dataset");
        var dataPath = args.Option("data-path");
        var allowShift = args.Flag("allow-distribution-shift");
        args.RejectUnknown();
        if (!File.Exists(Path.Combine(dir, ExportedModel.FileName)))
        {
            throw new UsageException($"{dir}: not an exported model (no {ExportedModel.FileName}); see hypersearch model export");
        }

        var recorded = ExportedModel.Read(dir).Dataset;
        DatasetOptions? dataset = null;
        if (datasetOption is not null || dataPath is not null)
        {
            // --dataset names a dataset (fashion-mnist, cifar10, npz…) or is itself a path to the data.
            var isPath = datasetOption is not null && (File.Exists(datasetOption) || Directory.Exists(datasetOption));
            var name = datasetOption is null ? recorded.Name : isPath ? DatasetCatalog.FormatOfPath(datasetOption, recorded.Name) : datasetOption;
            var path = dataPath ?? (isPath ? datasetOption : name == recorded.Name ? recorded.Path : null);
            dataset = new DatasetOptions(name, path);
        }

        TestEvaluation result;
        try
        {
            result = ModelExport.Evaluate(dir, dataset, allowShift);
        }
        catch (PreprocessingMismatchException e)
        {
            throw new UsageException($"{e.Message} Nothing was evaluated; pass --allow-distribution-shift to evaluate anyway.");
        }
        catch (DatasetException e)
        {
            throw new UsageException(e.Message);
        }

        if (result.Warning is { } warning)
        {
            stderr.WriteLine($"warning: distribution shift allowed (--allow-distribution-shift): {warning}");
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { model = Path.GetFullPath(dir), test_accuracy = result.TestAccuracy, test_loss = result.TestLoss, count = result.Count }, Json.Compact));
        }
        else
        {
            stdout.WriteLine($"test accuracy {result.TestAccuracy:0.0000} (loss {result.TestLoss:0.0000}) on {result.Count} test images, normalized with the model's stored statistics");
        }

        return ExitCodes.Success;
    }

    /// <summary>`search status|best|trials ID` answer from a local run directory when there is one (and no --gateway).</summary>
    public static bool IsLocalSearch(CliArguments args) =>
        args.Positionals.ElementAtOrDefault(1) is "status" or "best" or "trials"
        && args.Positionals.ElementAtOrDefault(2) is { } id
        && args.Options("gateway").Count == 0
        && (args.Option("run-dir") is not null || ResultsLoader.FindRunDirectory(null, id) is not null);

    public static async Task<int> LocalSearchAsync(CliArguments args, TextWriter stdout)
    {
        var verb = args.Positional(1, "a search subcommand");
        var id = args.Positional(2, "ID");
        var json = args.Flag("json");
        var load = ResultsLoader.Prepare(args, id, args.Flag("verbose"));
        args.RejectUnknown();
        var r = await load();
        var console = ConsoleFactory.For(stdout);
        var status = StatusOf(r);
        switch (verb)
        {
            case "trials" when json:
                stdout.WriteLine(JsonSerializer.Serialize(r.Trials, Json.Compact));
                break;
            case "trials":
                ResultPrinter.PrintLeaderboard(console, status, r.Trials, top: int.MaxValue);
                break;
            case "best" when json:
                stdout.WriteLine(JsonSerializer.Serialize(new { search_id = r.SearchId, best = status.Best, test_accuracy = r.TestAccuracy }, Json.Compact));
                break;
            case "status" when json:
                stdout.WriteLine(JsonSerializer.Serialize(SearchSummaryJson.From(status, r.RunDir) with { TestAccuracy = r.TestAccuracy }, Json.Compact));
                break;
            default:
                ResultPrinter.PrintOutcome(console, status, r.RunDir);
                if (r.TestAccuracy is { } test)
                {
                    stdout.WriteLine($"Test accuracy of the best configuration: {test.ToString("0.0000", CultureInfo.InvariantCulture)}");
                }

                break;
        }

        return ExitCodes.Success;
    }

    /// <summary>A search's status rebuilt from its run directory.</summary>
    public static Contracts.Trials.SearchStatus StatusOf(SearchResults r)
    {
        var best = r.Best;
        return new Contracts.Trials.SearchStatus(r.SearchId, r.Name,
            Enum.TryParse<Contracts.Trials.SearchState>(r.State.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var state) ? state : Contracts.Trials.SearchState.Running,
            r.StopReason, r.Trials.GroupBy(t => t.State).ToDictionary(g => g.Key, g => g.Count()), [],
            best is null ? null : new Contracts.Trials.BestTrial(best.Number, best.Parameters, best.Objective ?? double.NaN,
                best.Epochs.LastOrDefault()?.Get(Contracts.Trials.EpochMetrics.ValAccuracy), best.ParameterCount),
            null, r.StartedAt ?? DateTimeOffset.UtcNow, (r.StartedAt ?? DateTimeOffset.UtcNow).AddSeconds(r.WallSeconds),
            r.MaxTrials, r.Trials.Sum(t => t.Epochs.Count), r.Metric, r.Maximize);
    }

    public static void Print(TextWriter stdout, IReadOnlyList<Finding> findings)
    {
        if (findings.Count == 0)
        {
            stdout.WriteLine("diagnostics: nothing suspicious (no overfitting, divergence, preprocessing mismatch or near-chance search)");
            return;
        }

        stdout.WriteLine($"diagnostics ({findings.Count}):");
        foreach (var f in findings)
        {
            stdout.WriteLine($"  [{f.Severity.ToString().ToLowerInvariant()}] {f.Message}");
            stdout.WriteLine($"      suggestion: {f.Suggestion}");
        }
    }

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
