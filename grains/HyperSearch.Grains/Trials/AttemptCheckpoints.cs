using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace HyperSearch.Grains.Trials;

/// <summary>Per-attempt checkpoint folders: the attempt with lease token N writes only <c>&lt;trial&gt;/attempts/N/</c>, so an
/// attempt presumed dead that comes back (a paused silo, a partition) can never overwrite its successor's
/// checkpoints. A resumed attempt starts from a copy of the newest earlier attempt's files; the attempt whose outcome
/// the coordinator accepts is promoted: its files are copied up into the trial folder (what the test evaluation and
/// checkpoint retention use) and its folder and older ones go.</summary>
/// <remarks>Attempt numbers are lease tokens, which only grow for a trial. Pure file operations: call off the
/// Orleans scheduler.</remarks>
public static class AttemptCheckpoints
{
    public const string FolderName = "attempts";

    /// <summary>The file in each attempt's folder that names the attempt (never copied or promoted).</summary>
    public const string MarkerName = ".attempt";

    public static string Of(string trialFolder, int leaseToken) =>
        Path.Combine(trialFolder, FolderName, leaseToken.ToString(CultureInfo.InvariantCulture));

    /// <summary>Creates the attempt's folder; when resuming, fills it with the newest earlier attempt's files (or
    /// the promoted ones). Built under a temporary name and renamed, so a half-made copy is never resumed from.</summary>
    /// <param name="cloneFrom">Population Based Training: a donor's interval snapshot to start from instead of this
    /// trial's own files (never the trial's own: that is the clone bug this guards against).</param>
    public static string Prepare(string trialFolder, int leaseToken, bool resume, string? cloneFrom = null)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                return PrepareOnce(trialFolder, leaseToken, resume, cloneFrom);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException && resume && cloneFrom is null && tries < 5)
            {
                // The source attempt was promoted and removed while we copied (Population Based Training re-leases a
                // paused trial at once, while its last slot promotes): its files are now the trial folder's.
            }
        }
    }

    private static string PrepareOnce(string trialFolder, int leaseToken, bool resume, string? cloneFrom)
    {
        var folder = Of(trialFolder, leaseToken);
        if (!resume && cloneFrom is null)
        {
            return CreateEmpty(folder, leaseToken);
        }

        if (Directory.Exists(folder))
        {
            return folder; // the same attempt asked again (a retried call): keep what it wrote
        }

        var source = cloneFrom ?? (resume ? SourceFor(trialFolder, leaseToken) : null);
        if (source is null)
        {
            return CreateEmpty(folder, leaseToken);
        }

        var temp = Path.Combine(trialFolder, FolderName, $".{leaseToken}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            WriteMarker(temp, leaseToken);
            if (cloneFrom is not null && !Directory.EnumerateFiles(cloneFrom).Any(f => Path.GetFileName(f) != MarkerName))
            {
                throw new IOException($"the donor snapshot {cloneFrom} holds no checkpoint");
            }

            if (resume)
            {
                foreach (var file in Directory.EnumerateFiles(source).Where(f => Path.GetFileName(f) != MarkerName))
                {
                    File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
                }
            }

            Directory.Move(temp, folder);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }

        return folder;
    }

    /// <summary>Nothing to copy, so nothing half-made to hide: the folder and its marker directly (a third of the file
    /// system operations of a copy, for the many short trials of a big search). A marker there already means the same
    /// attempt asked again (a retried call): what it wrote is kept.</summary>
    private static string CreateEmpty(string folder, int leaseToken)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, MarkerName);
        var created = false;
        try
        {
            using var marker = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
            created = true;
            WriteMarker(marker, leaseToken);
        }
        catch (IOException) when (!created && File.Exists(path))
        {
            // CreateNew refused an existing marker: prepared before.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leaves nothing that a retry of this attempt would take for a prepared folder.
            Directory.Delete(folder, recursive: true);
            throw;
        }

        return folder;
    }

    /// <summary>Names the attempt, and proves the volume takes writes (a full one fails here, before the trial starts).</summary>
    private static void WriteMarker(string folder, int leaseToken)
    {
        using var marker = File.OpenHandle(Path.Combine(folder, MarkerName), FileMode.Create, FileAccess.Write);
        WriteMarker(marker, leaseToken);
    }

    /// <summary>Through a bare handle: no stream, writer or encoder for a few bytes.</summary>
    private static void WriteMarker(SafeFileHandle marker, int leaseToken)
    {
        Span<byte> text = stackalloc byte[16];
        leaseToken.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
        RandomAccess.Write(marker, text[..length], fileOffset: 0);
    }

    /// <summary>Copies the attempt's files into the trial folder and removes its folder and every older attempt's;
    /// newer attempts' folders (a successor already running) are left alone.</summary>
    public static void Promote(string trialFolder, int leaseToken)
    {
        string[] files;
        try
        {
            files = Directory.GetFiles(Of(trialFolder, leaseToken));
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        // Copied, not moved: an attempt being prepared meanwhile copies from this folder, which stays whole until it is
        // hidden below; by then the trial folder holds every file.
        var checkpoints = files.Where(f => Path.GetFileName(f) != MarkerName).ToList();
        foreach (var file in checkpoints)
        {
            File.Copy(file, Path.Combine(trialFolder, Path.GetFileName(file)), overwrite: true);
        }

        var root = Path.Combine(trialFolder, FolderName);
        foreach (var (number, path) in Attempts(trialFolder).Where(a => a.Number <= leaseToken))
        {
            if (number != leaseToken || checkpoints.Count > 0 || !TryRemoveMarkerOnly(path))
            {
                // Renamed out of the listing in one step, then deleted: nobody lists a half-deleted attempt.
                var hidden = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $".{number}.{Guid.NewGuid():N}.gone"));
                Directory.Move(path, hidden);
                Directory.Delete(hidden, recursive: true);
            }
        }

        try
        {
            Directory.Delete(root);
        }
        catch (IOException)
        {
            // Not empty: an attempt started preparing in it meanwhile.
        }
    }

    /// <summary>Removes an attempt folder that holds only its marker without hiding it first: no resume takes a folder
    /// without checkpoints for its source, so nobody can see it half-deleted. Half the file system calls of the hidden
    /// removal, for the many short trials that write no checkpoint (bench scale (a): 1,000 trials a second, where
    /// promotion was a tenth of the two cores); false when something else turned up in it.</summary>
    private static bool TryRemoveMarkerOnly(string folder)
    {
        try
        {
            File.Delete(Path.Combine(folder, MarkerName));
            Directory.Delete(folder);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Before the winner's test evaluation: promotes the newest attempt when its promotion did not happen
    /// (its silo died between the accepted outcome and the promotion). A completed trial has no newer attempt.</summary>
    public static void PromoteNewest(string trialFolder)
    {
        if (Attempts(trialFolder).LastOrDefault() is { Path: not null } newest)
        {
            Promote(trialFolder, newest.Number);
        }
    }

    /// <summary>Whether the trial folder takes a write now (false on a full or read-only volume).</summary>
    public static bool CanWrite(string trialFolder)
    {
        var probe = Path.Combine(trialFolder, $".probe.{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(trialFolder);
            File.WriteAllText(probe, "probe");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing was written.
            }
        }
    }

    /// <summary>The newest earlier attempt's folder with any file in it, else the trial folder when it holds files
    /// (promoted checkpoints, or ones written before per-attempt folders); null when there is nothing to resume.</summary>
    private static string? SourceFor(string trialFolder, int leaseToken)
    {
        foreach (var (_, path) in Attempts(trialFolder).Where(a => a.Number < leaseToken).Reverse())
        {
            if (Directory.EnumerateFiles(path).Any(f => Path.GetFileName(f) != MarkerName))
            {
                return path;
            }
        }

        return Directory.Exists(trialFolder) && Directory.EnumerateFiles(trialFolder).Any() ? trialFolder : null;
    }

    private static List<(int Number, string Path)> Attempts(string trialFolder)
    {
        try
        {
            return Directory.EnumerateDirectories(Path.Combine(trialFolder, FolderName))
                .Select(path => (Ok: int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n), Number: n, Path: path))
                .Where(a => a.Ok)
                .Select(a => (a.Number, a.Path))
                .OrderBy(a => a.Number)
                .ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
