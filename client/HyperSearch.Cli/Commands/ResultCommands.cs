using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Cli.Reports;
using HyperSearch.Cli.Results;
using HyperSearch.Diagnostics;
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

    public static Command CreateExport(CliOutput io)
    {
        var id = SearchId();
        var format = CliSymbols.Text("--format", "csv|json", "the file format (default csv, json with --json)");
        var output = CliSymbols.Text("--output", "FILE", "write to FILE instead of stdout", "-o");
        var json = CliSymbols.Flag("--json", "json unless --format says otherwise");
        var command = new Command("export", "every trial with parameters, state, per-epoch metrics and timings") { id, format, output, json };
        var results = new ResultsOptions(command);
        command.SetAction(parsed => ExportAsync(
            parsed.GetRequiredValue(id), (parsed.GetValue(format) ?? (parsed.GetValue(json) ? "json" : "csv")).ToLowerInvariant(),
            parsed.GetValue(output), results.Read(parsed), io.Stdout));
        return command;
    }

    /// <summary>`diagnose ID` (also `search diagnose ID`).</summary>
    public static Command CreateDiagnose(CliOutput io)
    {
        var id = SearchId();
        var json = CliSymbols.Flag("--json", "print the findings as JSON");
        var command = new Command("diagnose", "overfitting, divergence, preprocessing mismatch and near-chance searches, with suggestions") { id, json };
        var results = new ResultsOptions(command);
        command.SetAction(parsed => DiagnoseAsync(parsed.GetRequiredValue(id), parsed.GetValue(json), results.Read(parsed), io.Stdout));
        return command;
    }

    public static Command CreateReport(CliOutput io)
    {
        var id = SearchId();
        var output = CliSymbols.Text("--output", "FILE", "the HTML file (default report.html)", "-o");
        var pngDir = CliSymbols.Text("--png-dir", "DIR", "where the charts' PNGs go (default beside the HTML)");
        var json = CliSymbols.Flag("--json", "print what was written as JSON");
        var command = new Command("report", "one self-contained HTML page plus PNGs of the charts beside it") { id, output, pngDir, json };
        var results = new ResultsOptions(command);
        command.SetAction(parsed => ReportAsync(
            parsed.GetRequiredValue(id), parsed.GetValue(output) ?? "report.html", parsed.GetValue(pngDir), parsed.GetValue(json), results.Read(parsed), io.Stdout));
        return command;
    }

    public static Argument<string> SearchId() => CliSymbols.Required("ID", "a search id or a run directory name");

    private static async Task<int> ExportAsync(string id, string format, string? output, ResultsSource source, TextWriter stdout)
    {
        var load = ResultsLoader.Prepare(source, id);
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

    private static async Task<int> DiagnoseAsync(string id, bool json, ResultsSource source, TextWriter stdout)
    {
        var load = ResultsLoader.Prepare(source, id);
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

    private static async Task<int> ReportAsync(string id, string output, string? pngDir, bool json, ResultsSource source, TextWriter stdout)
    {
        var load = ResultsLoader.Prepare(source, id);
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

    /// <summary>`search status|best|trials ID` answered from a local run directory.</summary>
    public static async Task<int> LocalSearchAsync(string verb, string id, bool json, ResultsSource source, TextWriter stdout)
    {
        var load = ResultsLoader.Prepare(source, id);
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
}
