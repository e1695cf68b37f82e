using System.Globalization;
using System.Security.Cryptography;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>A trainer whose "weights" are a checkpoint file naming the trial they started as, written to the attempt
/// folder every epoch like the CNN trainer's; its accuracy follows those weights, so a clone inherits its donor's.
/// A clone hashes the donor's snapshot and the file it loaded, as the CNN trainer does. Like the CNN trainer, it keeps
/// its curve with its checkpoint and returns the whole curve in its outcome (a clone's starts afresh).</summary>
internal sealed class FileCheckpointRunner(TimeSpan epochDelay) : ITrialRunner
{
    private const string FileName = "checkpoint.bin";
    private const string CurveName = "curve.txt";

    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        var path = Path.Combine(work.CheckpointDirectory, FileName);
        var (origin, done) = work.Resume && File.Exists(path) ? Parse(File.ReadAllText(path)) : (work.TrialNumber, 0);
        CloneCheck? cloning = work.CloneFrom is { } donor
            ? new CloneCheck(done, Hash(Path.Combine(donor, FileName)), Hash(path))
            : null;
        var curvePath = Path.Combine(work.CheckpointDirectory, CurveName);
        var curve = work.Resume && work.CloneFrom is null && File.Exists(curvePath)
            ? File.ReadAllLines(curvePath).Select(ParseEpoch).Where(e => e.Epoch <= done).ToList()
            : [];
        var epochs = Convert.ToInt32(work.EffectiveParameters["epochs"], CultureInfo.InvariantCulture);
        for (var epoch = done + 1; epoch <= epochs; epoch++)
        {
            try
            {
                await Task.Delay(epochDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return new TrialOutcomeReport(TrialState.Cancelled, null, null, null, cloning);
            }

            var metrics = new EpochMetrics(epoch, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = 0.5 + origin / 100.0 + epoch / 1000.0 });
            curve.Add(metrics);
            // Checkpoint before the report, as the CNN trainer does: a kill in between leaves an unreported epoch.
            await File.WriteAllLinesAsync(curvePath, curve.Select(FormatEpoch), CancellationToken.None);
            await File.WriteAllTextAsync(path, $"{origin} {epoch}", CancellationToken.None);
            if (await onEpoch(metrics) != EpochDecision.Continue)
            {
                return new TrialOutcomeReport(TrialState.Pruned, null, 100, curve, cloning);
            }
        }

        return new TrialOutcomeReport(TrialState.Completed, null, 100, curve, cloning);
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0.9, 0.3, 100));

    /// <summary>The trial whose weights these are, and the epoch they reached.</summary>
    public static (int Origin, int Epoch) Parse(string text)
    {
        var parts = text.Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static string FormatEpoch(EpochMetrics e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.Epoch} {e.Get(EpochMetrics.ValAccuracy):R}");

    private static EpochMetrics ParseEpoch(string line)
    {
        var parts = line.Split(' ');
        return new EpochMetrics(int.Parse(parts[0], CultureInfo.InvariantCulture),
            new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = double.Parse(parts[1], CultureInfo.InvariantCulture) });
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
