using System.CommandLine;
using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Cli.Parsing;
using HyperSearch.Cli.Results;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Trials;
using Spectre.Console;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch search start|status|watch|list|cancel|best|trials` against a running cluster (status, best,
/// trials, watch and list also read the run directories of `run`), and where `search export|diagnose` are found.</summary>
internal static class SearchCommands
{
    public const string Usage = """
          hypersearch search start SPEC [--id ID] [--wait] [--skip-data-check] [--data-dir DIR] [--warm-start RUN_DIR|SEARCH_ID]
          hypersearch search status ID | watch ID | list | cancel ID | best ID | trials ID
            status, best, trials, watch ID and list also read `run` directories: --run-dir DIR (or ./runs/ID)
            common: [--gateway HOST:PORT]... | [--redis HOST:PORT [--redis-password-file FILE]]
                    [--tls-cert PEM|P12 --tls-key PEM --tls-ca PEM --tls-password-file FILE] [--service-id S] [--cluster-id C] [--connect-timeout SECONDS] [--json] [--verbose]
        """;


    public static Command Create(CliOutput io)
    {
        var command = new Command("search", "start, follow and read searches on a cluster (and the run directories of `run`)");
        command.Add(SearchStartCommand.Create(io));
        foreach (var verb in new[] { "status", "best", "trials" })
        {
            command.Add(CreateRead(verb, io));
        }

        command.Add(CreateWatch(io));
        command.Add(CreateList(io));
        command.Add(CreateCancel(io));
        command.Add(ResultCommands.CreateExport(io));
        command.Add(ResultCommands.CreateDiagnose(io));
        return command;
    }

    public static Option<bool> JsonFlag() => CliSymbols.Flag("--json", "print JSON");

    private static Argument<string> SearchId() => CliSymbols.Required("ID", "a search id or a run directory name; see hypersearch search list");

    /// <summary>status, best and trials read ./runs/ID (or --run-dir DIR) when it exists and no --gateway is given.</summary>
    private static Command CreateRead(string verb, CliOutput io)
    {
        var id = SearchId();
        var json = JsonFlag();
        var command = new Command(verb, $"the search's {verb}") { id, json };
        var front = verb is "status" or "best" ? new FrontOptions(command, verb == "best") : null;
        var results = new ResultsOptions(command);
        command.SetAction(async parsed =>
        {
            var source = results.Read(parsed);
            var searchId = parsed.GetRequiredValue(id);
            // A multi-objective search answers with its Pareto front (a cluster's once its spec is read, below).
            var local = !source.ForceCluster && (source.RunDir is not null || ResultsLoader.FindRunDirectory(null, searchId) is not null);
            if (front is not null && (local || front.Rule(parsed) is not null || front.Test(parsed)) && await ParetoCommands.TryReadAsync(searchId, parsed.GetValue(json), front.Rule(parsed), front.Test(parsed), source, io.Stdout) is { } code)
            {
                return code;
            }

            return await (local
                ? ResultCommands.LocalSearchAsync(verb, searchId, parsed.GetValue(json), source, io.Stdout)
                : OnSearchAsync(verb, searchId, io.Stdout, parsed.GetValue(json), ClusterConnection.Prepare(source.Connection), source.CheckpointDir));
        });
        return command;
    }

    private static Command CreateWatch(CliOutput io)
    {
        var id = SearchId();
        var json = JsonFlag();
        var runDir = CliSymbols.Text("--run-dir", "DIR", "a run directory, or the root holding ID/ (default ./runs)");
        var command = new Command("watch", "follow a search to its end") { id, json, runDir };
        var connection = new ConnectionOptions(command);
        command.SetAction(parsed =>
        {
            var settings = connection.Read(parsed);
            var searchId = parsed.GetRequiredValue(id);
            var local = parsed.GetValue(runDir);
            return settings.Gateways.Count == 0 && (local is not null || ResultsLoader.FindRunDirectory(null, searchId) is not null)
                ? LocalRunCommands.WatchAsync(searchId, local, parsed.GetValue(json), io)
                : OnSearchAsync("watch", searchId, io.Stdout, parsed.GetValue(json), ClusterConnection.Prepare(settings));
        });
        return command;
    }

    private static Command CreateList(CliOutput io)
    {
        var json = JsonFlag();
        var runDir = CliSymbols.Text("--run-dir", "DIR", "list the run directories under DIR instead of the cluster's searches");
        var command = new Command("list", "the cluster's searches, or the runs under --run-dir") { json, runDir };
        var connection = new ConnectionOptions(command);
        command.SetAction(parsed =>
        {
            var settings = connection.Read(parsed);
            return settings.Gateways.Count == 0 && parsed.GetValue(runDir) is { } root
                ? Task.FromResult(LocalRunCommands.List(root, parsed.GetValue(json), io.Stdout))
                : ListAsync(io.Stdout, parsed.GetValue(json), ClusterConnection.Prepare(settings));
        });
        return command;
    }

    private static Command CreateCancel(CliOutput io)
    {
        var id = SearchId();
        var json = JsonFlag();
        var command = new Command("cancel", "cancel a search (finished trials and checkpoints are kept)") { id, json };
        var connection = new ConnectionOptions(command);
        command.SetAction(parsed => OnSearchAsync("cancel", parsed.GetRequiredValue(id), io.Stdout, parsed.GetValue(json), ClusterConnection.Prepare(connection.Read(parsed))));
        return command;
    }

    private static async Task<int> ListAsync(TextWriter stdout, bool json, Func<Task<ClusterConnection>> connect)
    {
        await using var cluster = await connect();
        var searches = await cluster.Grains.GetGrain<ISearchRegistryGrain>(0).ListAsync();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(searches, Json.Compact));
            return 0;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("search id", "name", "state", "started");
        foreach (var s in searches)
        {
            table.AddRow(Markup.Escape(s.SearchId), Markup.Escape(s.Name), s.State.ToString().ToLowerInvariant(), s.StartedAt.ToString("u"));
        }

        ConsoleFactory.For(stdout).Write(table);
        return 0;
    }

    private static async Task<int> OnSearchAsync(string verb, string searchId, TextWriter stdout, bool json, Func<Task<ClusterConnection>> connect, string? checkpointDir = null)
    {
        var console = ConsoleFactory.For(stdout);
        await using var cluster = await connect();
        var search = cluster.Grains.GetGrain<ISearchGrain>(searchId);
        var spec = await search.GetSpecAsync() ?? throw new UsageException($"no search with id '{searchId}' on this cluster");

        switch (verb)
        {
            case "cancel":
                await search.CancelAsync();
                stdout.WriteLine(json ? JsonSerializer.Serialize(new { search_id = searchId, cancelled = true }) : $"cancelling search {searchId}");
                return 0;
            case "watch":
                {
                    var (status, _) = await LiveWatch.WatchAsync(cluster.Grains, searchId, stdout, json, null, TimeSpan.FromSeconds(1));
                    PrintFinal(stdout, status, json);
                    return ExitCodes.For(status.State);
                }

            case "trials":
                {
                    var trials = await search.GetTrialsAsync();
                    var status = await search.GetStatusAsync();
                    if (json)
                    {
                        stdout.WriteLine(JsonSerializer.Serialize(trials, Json.Compact));
                    }
                    else
                    {
                        ResultPrinter.PrintLeaderboard(console, status, trials, top: int.MaxValue);
                    }

                    return 0;
                }

            default:
                {
                    if (spec.Search.IsMultiObjective)
                    {
                        // status and best: the Pareto front, as for a run directory, read on this connection.
                        return await ParetoCommands.ShowAsync(await ResultsLoader.FromClusterAsync(search, searchId, spec, checkpointDir), json, null, false, stdout);
                    }

                    var status = await search.GetStatusAsync();
                    if (json)
                    {
                        stdout.WriteLine(verb == "best"
                            ? JsonSerializer.Serialize(new { search_id = searchId, best = status.Best, test = status.Test }, Json.Compact)
                            : JsonSerializer.Serialize(SearchSummaryJson.From(status, null), Json.Compact));
                    }
                    else
                    {
                        ResultPrinter.PrintOutcome(console, status, null);
                    }

                    return 0;
                }
        }
    }

    /// <summary>The search's final summary once followed to its end (--wait, watch).</summary>
    public static void PrintFinal(TextWriter stdout, SearchStatus status, bool json)
    {
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(SearchSummaryJson.From(status, null), Json.Compact));
        }
        else
        {
            ResultPrinter.PrintOutcome(ConsoleFactory.For(stdout), status, null);
        }
    }
}
