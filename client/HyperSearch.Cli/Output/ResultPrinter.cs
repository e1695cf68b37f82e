using System.Globalization;
using HyperSearch.Contracts.Trials;
using Spectre.Console;

namespace HyperSearch.Cli.Output;

/// <summary>The end of a search: a leaderboard, the best configuration and its one test evaluation.</summary>
internal static class ResultPrinter
{
    public static void PrintLeaderboard(IAnsiConsole console, SearchStatus status, IReadOnlyList<TrialRecord> trials, int top = 10)
    {
        var ranked = Leaderboard.Rank(trials, status.Metric, status.Maximize).Take(top).ToList();
        var table = new Table().Border(TableBorder.Simple).Title($"Leaderboard: {Markup.Escape(status.Metric)}, best first");
        // Numbers never wrap or shrink (an 80-column terminal once showed 0.8734 as "0.8"); the configuration,
        // one name=value per line, takes what room is left. Short headers leave it enough for one setting per line.
        foreach (var name in new[] { "#", "trial", "state", "value", "ep", "params" })
        {
            table.AddColumn(new TableColumn(Markup.Escape(name)).NoWrap());
        }

        table.AddColumn(new TableColumn("configuration"));
        var rank = 1;
        foreach (var trial in ranked)
        {
            var configuration = string.Join("\n", trial.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={FormatValue(p.Value)}"));
            table.AddRow(new[]
            {
                rank++.ToString(CultureInfo.InvariantCulture),
                trial.Number.ToString(CultureInfo.InvariantCulture),
                trial.State.ToString().ToLowerInvariant(),
                ProgressPrinter.Format(trial.Objective),
                trial.Epochs.Count.ToString(CultureInfo.InvariantCulture),
                trial.ParameterCount?.ToString("N0", CultureInfo.InvariantCulture) ?? "-",
                configuration,
            }.Select(Markup.Escape).ToArray());
        }

        console.Write(table);
    }

    /// <summary>The full reasons behind a failed search and its failed trials (multi-line program output included): on
    /// stderr, where a person looks for errors; stdout keeps one line per fact.</summary>
    public static void PrintFailureDetails(TextWriter stderr, SearchStatus status, IReadOnlyList<TrialRecord> trials)
    {
        if (status.State == SearchState.Failed && status.StopReason is { } reason)
        {
            stderr.WriteLine($"error: search {status.SearchId} failed: {reason}");
        }

        foreach (var trial in trials.Where(t => t.State == TrialState.Failed && t.FailureReason is not null && t.FailureReason.Contains('\n')))
        {
            stderr.WriteLine($"trial {trial.Number} failed: {trial.FailureReason}");
        }
    }

    /// <summary>The first line of a possibly multi-line text (a failure reason may end in a program's stderr tail).</summary>
    public static string FirstLine(string? text)
    {
        if (text is null)
        {
            return "";
        }

        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end].TrimEnd() + " …";
    }

    public static void PrintOutcome(IAnsiConsole console, SearchStatus status, string? runDir)
    {
        console.WriteLine($"Search {status.SearchId}: {status.State.ToString().ToLowerInvariant()} ({FirstLine(status.StopReason)}) in {status.WallSeconds:0.0}s; " +
                          $"{status.Count(TrialState.Completed)} completed, {status.Count(TrialState.Pruned)} pruned, {status.Count(TrialState.Failed)} failed, {status.Count(TrialState.Cancelled)} cancelled; {status.EpochsTrained} epochs trained");
        if (status.State == SearchState.Failed)
        {
            console.WriteLine("The search failed, so there is no best configuration (details on stderr).");
        }
        else if (status.Best is { } best)
        {
            console.WriteLine($"Best configuration (trial {best.Number}, {status.Metric} {ProgressPrinter.Format(best.Objective)}):");
            foreach (var (name, value) in best.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                console.WriteLine($"  {name}: {FormatValue(value)}");
            }
        }
        else
        {
            console.WriteLine("No trial completed, so there is no best configuration.");
        }

        if (status.Test is { } test)
        {
            console.WriteLine($"Test accuracy of the best configuration: {test.TestAccuracy:0.0000} ({test.Count} test images, evaluated once)");
        }

        if (runDir is not null)
        {
            console.WriteLine($"Results: {runDir}");
        }
    }

    public static string FormatValue(object value) => value switch
    {
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

internal static class Leaderboard
{
    /// <summary>Completed trials first, then pruned ones by their last value, then running ones; failed and cancelled
    /// last. Within each group the one trial ranking applies (<see cref="TrialRanking"/>).</summary>
    public static IEnumerable<TrialRecord> Rank(IEnumerable<TrialRecord> trials, string metric, bool maximize) =>
        trials
            .OrderBy(t => t.State switch { TrialState.Completed => 0, TrialState.Pruned => 1, TrialState.Running => 2, _ => 3 })
            .ThenBy(t => new RankKey(t.Objective, t.ParameterCount, t.Number), TrialRanking.BestFirst(maximize));
}
