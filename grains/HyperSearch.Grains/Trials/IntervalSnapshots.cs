using System.Globalization;

namespace HyperSearch.Grains.Trials;

/// <summary>Population Based Training keeps each member's checkpoint of every interval it paused at, in
/// <c>&lt;trial&gt;/intervals/&lt;epoch&gt;-&lt;lease token&gt;/</c>: a donor trains on after the interval, so the checkpoint an
/// exploiting trial clones must be a copy that never changes. The token names the attempt that paused, so a fenced
/// attempt's copy is never the one cloned. Pure file operations: call off the Orleans scheduler.</summary>
public static class IntervalSnapshots
{
    public const string FolderName = "intervals";

    public static string Of(string trialFolder, int epoch, int leaseToken) =>
        Path.Combine(trialFolder, FolderName, string.Create(CultureInfo.InvariantCulture, $"{epoch}-{leaseToken}"));

    /// <summary>Copies the attempt's checkpoint files into the interval's snapshot folder, under a temporary name then
    /// renamed, so a half-made snapshot is never cloned. Taking it again is a no-op.</summary>
    public static string Take(string trialFolder, int leaseToken, int epoch)
    {
        var target = Of(trialFolder, epoch, leaseToken);
        if (Directory.Exists(target))
        {
            return target;
        }

        var source = AttemptCheckpoints.Of(trialFolder, leaseToken);
        var files = Directory.EnumerateFiles(source).Where(f => Path.GetFileName(f) != AttemptCheckpoints.MarkerName).ToList();
        if (files.Count == 0)
        {
            throw new IOException($"attempt folder {source} holds no checkpoint of epoch {epoch}");
        }

        var temp = Path.Combine(trialFolder, FolderName, $".{epoch}-{leaseToken}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var file in files)
            {
                File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
            }

            Directory.Move(temp, target);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }

        return target;
    }
}
