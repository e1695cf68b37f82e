using System.Text;
using Orleans.Storage;

namespace HyperSearch.Grains.Persistence;

/// <summary>Grain storage in one folder, a file per grain state: what the embedded silo of `hypersearch run` keeps in
/// its run directory, so a run killed at any moment (Ctrl-C, SIGKILL) resumes with every stored change.</summary>
/// <remarks>
/// One process owns the folder (the CLI holds a lock on the run directory), so there is no concurrent writer to fence
/// and the ETag is only a write counter. A write goes to a temporary file that is then renamed over the old one:
/// a process killed mid-write leaves the previous version whole. Data is not fsynced: a killed process loses
/// nothing the kernel already has, and power loss is outside what a local run promises.
/// </remarks>
public sealed class FileGrainStorage(string directory, IGrainStorageSerializer serializer) : IGrainStorage
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.RecordExists = false;
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path);
        grainState.State = serializer.Deserialize<T>(new BinaryData(bytes));
        grainState.RecordExists = true;
        grainState.ETag = "1";
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        System.IO.Directory.CreateDirectory(Directory);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        await File.WriteAllBytesAsync(temp, serializer.Serialize(grainState.State).ToArray());
        File.Move(temp, path, overwrite: true);
        grainState.RecordExists = true;
        grainState.ETag = (long.TryParse(grainState.ETag, out var n) ? n + 1 : 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        File.Delete(PathOf(stateName, grainId));
        grainState.RecordExists = false;
        grainState.ETag = null;
        return Task.CompletedTask;
    }

    /// <summary>A file name per state and grain; characters outside [A-Za-z0-9._-] are escaped, so distinct ids never collide.</summary>
    private string PathOf(string stateName, GrainId grainId)
    {
        var name = new StringBuilder();
        foreach (var c in $"{stateName}@{grainId}")
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
            {
                name.Append(c);
            }
            else
            {
                name.Append('%').Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return Path.Combine(Directory, name.Append(".bin").ToString());
    }
}
