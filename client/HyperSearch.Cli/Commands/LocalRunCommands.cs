using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Trials;
using Spectre.Console;

namespace HyperSearch.Cli.Commands;

/// <summary>`search list --run-dir DIR` and `search watch ID --run-dir DIR`: the searches `hypersearch run` keeps on
/// disk, for a run in another terminal or one that was interrupted.</summary>
internal static class LocalRunCommands
{
    public static int List(string root, bool json, TextWriter stdout)
    {
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

    public static async Task<int> WatchAsync(string id, string? runDirOption, bool json, CliOutput io)
    {
        var (stdout, stderr) = io;
        var dir = ResultsLoader.FindRunDirectory(runDirOption, id)
                  ?? throw new UsageException($"no run directory for '{id}' at {runDirOption ?? "./runs"}");
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
