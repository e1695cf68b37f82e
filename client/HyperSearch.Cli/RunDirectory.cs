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

    public const string StateFolder = "state";
    private const string LockFile = ".lock";

    public string Path { get; } = path;

    public string CheckpointRoot => System.IO.Path.Combine(Path, "checkpoints");

    /// <summary>The embedded silo's grain state (the search and its trial table), so the run can be resumed.</summary>
    public string StateDirectory => System.IO.Path.Combine(Path, StateFolder);

    /// <summary>Whether a search already ran here (its spec or state is present): such a directory is resumed, never overwritten.</summary>
    public bool HoldsARun => File.Exists(System.IO.Path.Combine(Path, SpecFile)) || Directory.Exists(StateDirectory);

    public static RunDirectory Create(string root, string searchId)
    {
        var dir = new RunDirectory(System.IO.Path.GetFullPath(System.IO.Path.Combine(root, searchId)));
        Directory.CreateDirectory(dir.Path);
        return dir;
    }

    /// <summary>Holds the directory for this process until disposed (the OS releases it if the process dies), so two
    /// runs never write one search.</summary>
    public IDisposable Lock()
    {
        try
        {
            return new FileStream(System.IO.Path.Combine(Path, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new UsageException($"run directory {Path} is in use by another hypersearch process");
        }
    }

    public void WriteSpec(string specText) => WriteAtomically(SpecFile, specText);

    /// <summary>Warnings the summary carries (e.g. a distribution shift let through by allow_distribution_shift).</summary>
    public IReadOnlyList<string> Warnings { get; set; } = [];

    public void WriteResults(SearchStatus status, IReadOnlyList<TrialRecord> trials)
    {
        WriteAtomically(TrialsFile, JsonSerializer.Serialize(trials, Json.Indented));
        WriteAtomically(SummaryFile, JsonSerializer.Serialize(SearchSummaryJson.From(status, Path, Warnings), Json.Indented));
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
