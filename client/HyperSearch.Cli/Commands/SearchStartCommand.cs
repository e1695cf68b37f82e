using System.CommandLine;
using System.Text.Json;
using HyperSearch.Cli.Parsing;
using HyperSearch.Contracts.Grains;
using HyperSearch.Contracts.Security;
using HyperSearch.Contracts.Specs;
using HyperSearch.Specs;

namespace HyperSearch.Cli.Commands;

/// <summary>`hypersearch search start SPEC`: starts a search on the cluster, optionally seeded by `--warm-start` with a
/// finished search's compatible trials (they travel in the spec, so the coordinator's sampler starts from them).</summary>
internal static class SearchStartCommand
{
    private sealed record StartRequest(string SpecPath, string? Id, bool Wait, bool SkipDataCheck, string? DataDirectory, bool Json, string? WarmStart);

    public static Command Create(CliOutput io)
    {
        var spec = CliSymbols.Required("SPEC", "a YAML or JSON search spec");
        var id = CliSymbols.Text("--id", "ID", "the search's id (default: its name, time and a random suffix)");
        var wait = CliSymbols.Flag("--wait", "follow the search to its end (the exit code says how it ended)");
        var skipDataCheck = CliSymbols.Flag("--skip-data-check", "do not load the data here (the cluster checks it)");
        var dataDirectory = CliSymbols.Text("--data-dir", "DIR", "where datasets are found");
        var warmStart = CliSymbols.Text("--warm-start", "RUN_DIR|SEARCH_ID",
            "seed the sampler with the compatible trials of a finished search: a run directory, a search on this cluster, or ./runs/SEARCH_ID");
        var json = SearchCommands.JsonFlag();
        var command = new Command("start", "start a search on the cluster") { spec, id, wait, skipDataCheck, dataDirectory, warmStart, json };
        var connection = new ConnectionOptions(command);
        command.SetAction(parsed =>
        {
            // Connection options are checked before the spec is read: bad input fails first, whatever the spec.
            var connect = ClusterConnection.Prepare(connection.Read(parsed));
            var request = new StartRequest(parsed.GetRequiredValue(spec), parsed.GetValue(id), parsed.GetValue(wait), parsed.GetValue(skipDataCheck),
                parsed.GetValue(dataDirectory), parsed.GetValue(json), parsed.GetValue(warmStart));
            return StartAsync(request, io.Stdout, connect);
        });
        return command;
    }

    private static async Task<int> StartAsync(StartRequest request, TextWriter stdout, Func<Task<ClusterConnection>> connect)
    {
        var loaded = SpecLoader.LoadChecked(request.SpecPath, request.DataDirectory, request.SkipDataCheck ? DataChecks.None : DataChecks.Probe);
        var spec = loaded.Spec;

        await using var cluster = await connect();
        // Resolved before the search exists: an unknown source starts nothing.
        var warm = request.WarmStart is { } source ? await WarmStartImport.LoadAsync(source, spec, cluster.Grains) : null;
        if (warm is not null)
        {
            spec = spec with { Search = spec.Search with { WarmStart = warm } };
        }

        var searchId = request.Id ?? RunCommand.NewSearchId(spec.Name);
        try
        {
            await cluster.Grains.GetGrain<ISearchGrain>(searchId).StartAsync(spec);
        }
        catch (SpecRejectedException e)
        {
            // The coordinator's checks (the same as ours, plus the cluster's own limits): shown like ours, with
            // line numbers from this copy of the file.
            throw new SpecException(request.SpecPath, e.Errors(loaded.Parsed.LineOf));
        }

        if (request.Json)
        {
            stdout.WriteLine(warm is null
                ? JsonSerializer.Serialize(new { search_id = searchId })
                : JsonSerializer.Serialize(new { search_id = searchId, warm_start = new { source = warm.Source, imported = warm.Trials.Count, skipped = warm.Skipped } }));
        }
        else
        {
            if (warm is not null)
            {
                stdout.WriteLine($"Warm start from {warm.Source}: {warm.Trials.Count} trial(s) imported, {warm.Skipped} skipped (space not compatible)");
            }

            stdout.WriteLine($"started search {searchId}");
        }

        if (!request.Wait)
        {
            return 0;
        }

        var (status, _) = await LiveWatch.WatchAsync(cluster.Grains, searchId, stdout, request.Json, null, TimeSpan.FromSeconds(1));
        SearchCommands.PrintFinal(stdout, status, request.Json);
        return ExitCodes.For(status.State);
    }
}
