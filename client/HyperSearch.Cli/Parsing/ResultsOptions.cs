using System.CommandLine;

namespace HyperSearch.Cli.Parsing;

/// <summary>Where the read commands find a search: a run directory (--run-dir, else ./runs/ID) or the cluster
/// (--gateway forces it), and where its checkpoints are.</summary>
internal sealed record ResultsSource(string? RunDir, string? CheckpointDir, ConnectionSettings Connection)
{
    public bool ForceCluster => Connection.Gateways.Count > 0;
}

/// <summary>The options of the read commands: the connection's plus --run-dir and --checkpoint-dir.</summary>
internal sealed class ResultsOptions
{
    private readonly Option<string?> _runDir = CliSymbols.Text("--run-dir", "DIR", "a run directory, or the root holding ID/ (default ./runs)");
    private readonly Option<string?> _checkpointDir = CliSymbols.Text("--checkpoint-dir", "DIR", "where the search's checkpoints are, when not in its run directory");
    private readonly ConnectionOptions _connection;

    public ResultsOptions(Command command)
    {
        command.Add(_runDir);
        command.Add(_checkpointDir);
        _connection = new ConnectionOptions(command);
    }

    public ResultsSource Read(ParseResult parsed) =>
        new(parsed.GetValue(_runDir), parsed.GetValue(_checkpointDir), _connection.Read(parsed));
}
