using System.Text.Json;
using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli;

/// <summary>A search's results on disk (default ./runs/&lt;search id&gt;/): the spec as given, every trial with its
/// per-epoch metrics, and the summary — so report and export work after the process has exited.</summary>
internal sealed class RunDirectory(string path)
{
    public const string SpecFile = "spec.yaml";
    public const string TrialsFile = "trials.json";
    public const string SummaryFile = "summary.json";

    public string Path { get; } = path;

    public string CheckpointRoot => System.IO.Path.Combine(Path, "checkpoints");

    public static RunDirectory Create(string root, string searchId)
    {
        var dir = new RunDirectory(System.IO.Path.GetFullPath(System.IO.Path.Combine(root, searchId)));
        Directory.CreateDirectory(dir.Path);
        return dir;
    }

    public void WriteSpec(string specText) => WriteAtomically(SpecFile, specText);

    public void WriteResults(SearchStatus status, IReadOnlyList<TrialRecord> trials)
    {
        WriteAtomically(TrialsFile, JsonSerializer.Serialize(trials, Json.Indented));
        WriteAtomically(SummaryFile, JsonSerializer.Serialize(SearchSummaryJson.From(status, Path), Json.Indented));
    }

    /// <summary>Readers never see half a file, even if the process dies mid-write.</summary>
    private void WriteAtomically(string name, string content)
    {
        var target = System.IO.Path.Combine(Path, name);
        var temp = target + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, target, overwrite: true);
    }
}
