using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Specs;
using Spectre.Console;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch search start|status|watch|list|cancel|best|trials` against a running cluster.</summary>
internal static class SearchCommands
{
    public const string Usage = """
        hypersearch search start SPEC [--id ID] [--wait] [--skip-data-check] [--data-dir DIR]
        hypersearch search status ID | watch ID | list | cancel ID | best ID | trials ID
          status, best, trials, watch ID and list also read `run` directories: --run-dir DIR (or ./runs/ID)
          common: [--gateway HOST:PORT]... | [--redis HOST:PORT [--redis-password-file FILE]]
                  [--tls-cert PEM|P12 --tls-key PEM --tls-ca PEM --tls-password-file FILE] [--service-id S] [--cluster-id C] [--connect-timeout SECONDS] [--json] [--verbose]
        """;

    public static async Task<int> RunAsync(CliArguments args, TextWriter stdout)
    {
        var verb = args.Positional(1, "a search subcommand (start, status, watch, list, cancel, best, trials)");
        var json = args.Flag("json");
        var verbose = args.Flag("verbose");
        var console = ConsoleFactory.For(stdout);
        var connect = ClusterConnection.Prepare(args, verbose);
        switch (verb)
        {
            case "start":
                return await StartAsync(args, stdout, json, connect);
            case "list":
            {
                args.RejectUnknown();
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

                console.Write(table);
                return 0;
            }

            case "status" or "watch" or "cancel" or "best" or "trials":
                return await OnSearchAsync(verb, args, stdout, console, json, connect);
            default:
                throw new UsageException($"unknown search subcommand '{verb}'\n{Usage}");
        }
    }

    private static async Task<int> StartAsync(CliArguments args, TextWriter stdout, bool json, Func<Task<ClusterConnection>> connect)
    {
        var specPath = args.Positional(2, "SPEC");
        var wait = args.Flag("wait");
        var skipDataCheck = args.Flag("skip-data-check");
        var dataDirectory = args.Option("data-dir");
        var id = args.Option("id");
        var loaded = SpecLoader.LoadChecked(specPath, dataDirectory, skipDataCheck ? DataChecks.None : DataChecks.Probe);
        var spec = loaded.Spec;
        args.RejectUnknown();

        await using var cluster = await connect();
        var searchId = id ?? RunCommand.NewSearchId(spec.Name);
        try
        {
            await cluster.Grains.GetGrain<ISearchGrain>(searchId).StartAsync(spec);
        }
        catch (SpecRejectedException e)
        {
            // The coordinator's checks (the same as ours, plus the cluster's own limits): shown like ours, with
            // line numbers from this copy of the file.
            throw new SpecException(specPath, e.Errors(loaded.Parsed.LineOf));
        }

        stdout.WriteLine(json ? JsonSerializer.Serialize(new { search_id = searchId }) : $"started search {searchId}");
        if (!wait)
        {
            return 0;
        }

        var (status, _) = await LiveWatch.WatchAsync(cluster.Grains, searchId, stdout, json, null, TimeSpan.FromSeconds(1));
        PrintFinal(stdout, status, json);
        return ExitCodes.For(status.State);
    }

    private static async Task<int> OnSearchAsync(string verb, CliArguments args, TextWriter stdout, IAnsiConsole console, bool json, Func<Task<ClusterConnection>> connect)
    {
        var searchId = args.Positional(2, "ID (a search id; see hypersearch search list)");
        args.RejectUnknown();
        await using var cluster = await connect();
        var search = cluster.Grains.GetGrain<ISearchGrain>(searchId);
        if (await search.GetSpecAsync() is null)
        {
            throw new UsageException($"no search with id '{searchId}' on this cluster");
        }

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

    private static void PrintFinal(TextWriter stdout, SearchStatus status, bool json)
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
