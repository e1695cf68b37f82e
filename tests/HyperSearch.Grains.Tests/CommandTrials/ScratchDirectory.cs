using System.Globalization;
using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.CommandTrials;

/// <summary>A temp folder holding a test's trial scripts and its checkpoint directory, and the work items that run them.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Root = Path.Combine(Path.GetTempPath(), "hypersearch-command-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Checkpoints => Path.Combine(Root, "checkpoints");

    public static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Writes a bash script and returns the command that runs it. Running it through bash rather than
    /// exec'ing the file avoids ETXTBSY when another test forks while the file is still open for writing.</summary>
    public IReadOnlyList<string> Bash(string body, string name = "trial.sh")
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, "set -u\n" + body.ReplaceLineEndings("\n"));
        return ["/bin/bash", path];
    }

    public string ReadCheckpointFile(string name) => File.ReadAllText(Path.Combine(Checkpoints, name)).Trim();

    public int ReadPid(string name) => int.Parse(ReadCheckpointFile(name), CultureInfo.InvariantCulture);

    public WorkItem Work(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        TimeSpan? grace = null,
        IReadOnlyDictionary<string, object>? parameters = null,
        bool resume = false,
        string? workingDirectory = null,
        WorkKind kind = WorkKind.Train) => new(
        "search-1",
        4,
        2,
        kind,
        parameters ?? new Dictionary<string, object> { ["learning_rate"] = 0.001 },
        Spec(command, timeout, grace ?? TimeSpan.FromSeconds(5), workingDirectory),
        Checkpoints,
        resume);

    private static SearchSpec Spec(IReadOnlyList<string> command, TimeSpan? timeout, TimeSpan grace, string? workingDirectory) => new(
        "command-test",
        new DatasetSpec("none", null, 0.1, null, null, 0),
        new SearchSettings("random", new Dictionary<string, object>(), "none", new Dictionary<string, object>(), 4, 1, null, "val_accuracy", true, null, 3, 11),
        new Dictionary<string, object> { ["epochs"] = 3L, ["batch_size"] = 64L },
        [],
        new TrainerSpec(command, timeout, workingDirectory, grace));

    /// <summary>A SIGKILLed process is not gone the instant kill() returns; give it a moment to finish dying.</summary>
    public static async Task<bool> DiesWithin(int pid, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>Alive means present and not a zombie: a killed orphan may wait a while for its reaper.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A killed program may still be releasing a file; the temp folder is left for the OS.
        }
    }
}
