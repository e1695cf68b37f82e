using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;
using Spectre.Console;

namespace HyperSearch.Cli.Commands;

/// <summary>`search list --run-dir DIR` and `search watch ID --run-dir DIR`: the searches `hypersearch run` keeps on
/// disk, for a run in another terminal or one that was interrupted.</summary>
internal static class LocalRunCommands
{
    /// <summary>list with --run-dir; watch when a run directory for the id exists (or --run-dir is given); never with --gateway.</summary>
    public static bool Handles(CliArguments args) =>
        args.Options("gateway").Count == 0 && args.Positionals.ElementAtOrDefault(1) switch
        {
            "list" => args.Option("run-dir") is not null,
            "watch" => args.Positionals.ElementAtOrDefault(2) is { } id && (args.Option("run-dir") is not null || ResultsLoader.FindRunDirectory(null, id) is not null),
            _ => false,
        };

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout, TextWriter stderr) =>
        args.Positionals[1] == "list" ? List(args, stdout) : await WatchAsync(args, stdout, stderr);

    private static int List(CliArguments args, TextWriter stdout)
    {
        var root = args.Option("run-dir")!;
        var json = args.Flag("json");
        args.RejectUnknown();
        if (!Directory.Exists(root))
        {
            throw new UsageException($"--run-dir {root}: no such directory");
        }

        var runs = Directory.EnumerateDirectories(root)
            .Where(d => File.Exists(Path.Combine(d, RunDirectory.TrialsFile)))
            .Select(d => ResultsLoader.LoadRunDirectory(d, Path.GetFileName(d)))
            .OrderBy(r => r.StartedAt ?? DateTimeOffset.MaxValue)
            .ToList();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(runs.Select(r => new { search_id = r.SearchId, name = r.Name, state = StateOf(r), started_at = r.StartedAt, run_dir = r.RunDir }), Json.Compact));
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("search id", "name", "state", "trials", "started");
        foreach (var r in runs)
        {
            table.AddRow(Markup.Escape(r.SearchId), Markup.Escape(r.Name), Markup.Escape(StateOf(r)), r.Trials.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), r.StartedAt?.ToString("u") ?? "-");
        }

        ConsoleFactory.For(stdout).Write(table);
        return ExitCodes.Success;
    }

    private static async Task<int> WatchAsync(CliArguments args, TextWriter stdout, TextWriter stderr)
    {
        var id = args.Positional(2, "ID (a search id or a run directory name)");
        var json = args.Flag("json");
        var dir = ResultsLoader.FindRunDirectory(args.Option("run-dir"), id)
                  ?? throw new UsageException($"no run directory for '{id}' at {args.Option("run-dir") ?? "./runs"}");
        args.RejectUnknown();
        var printer = json ? null : new ProgressPrinter(stdout);
        while (true)
        {
            var r = ResultsLoader.LoadRunDirectory(dir, id);
            var status = ResultCommands.StatusOf(r);
            printer?.Update(status, r.Trials);
            if (status.State.IsFinished() || StateOf(r) == Interrupted)
            {
                if (json)
                {
                    stdout.WriteLine(JsonSerializer.Serialize(SearchSummaryJson.From(status, dir) with { TestAccuracy = r.TestAccuracy }, Json.Compact));
                }
                else
                {
                    ResultPrinter.PrintOutcome(ConsoleFactory.For(stdout), status, dir);
                }

                if (!status.State.IsFinished())
                {
                    stderr.WriteLine($"search {r.SearchId} was interrupted (no process is running it); resume it with `hypersearch run {Path.Combine(dir, RunDirectory.SpecFile)} --resume {r.SearchId} --run-dir {Path.GetDirectoryName(dir)}`");
                    return ExitCodes.Failure;
                }

                return ExitCodes.For(status.State);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private const string Interrupted = "interrupted";

    /// <summary>The summary's state, except that an unfinished run whose directory no process holds was interrupted.</summary>
    private static string StateOf(SearchResults r)
    {
        if (r.State is "completed" or "failed" or "cancelled" || r.RunDir is null)
        {
            return r.State;
        }

        try
        {
            using (new RunDirectory(r.RunDir).Lock())
            {
                return Interrupted;
            }
        }
        catch (UsageException)
        {
            return r.State; // a process holds it: still running
        }
    }
}
