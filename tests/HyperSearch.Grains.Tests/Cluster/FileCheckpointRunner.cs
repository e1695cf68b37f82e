using System.Globalization;
using System.Security.Cryptography;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Grains.Tests.Cluster;

/// <summary>A trainer whose "weights" are a checkpoint file naming the trial they started as, written to the attempt
/// folder every epoch like the CNN trainer's; its accuracy follows those weights, so a clone inherits its donor's.
/// A clone hashes the donor's snapshot and the file it loaded, as the CNN trainer does.</summary>
internal sealed class FileCheckpointRunner(TimeSpan epochDelay) : ITrialRunner
{
    private const string FileName = "checkpoint.bin";

    public async Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        var path = Path.Combine(work.CheckpointDirectory, FileName);
        var (origin, done) = work.Resume && File.Exists(path) ? Parse(File.ReadAllText(path)) : (work.TrialNumber, 0);
        CloneCheck? cloning = work.CloneFrom is { } donor
            ? new CloneCheck(done, Hash(Path.Combine(donor, FileName)), Hash(path))
            : null;
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

            await File.WriteAllTextAsync(path, $"{origin} {epoch}", CancellationToken.None);
            var accuracy = 0.5 + origin / 100.0 + epoch / 1000.0;
            if (await onEpoch(new EpochMetrics(epoch, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy })) != EpochDecision.Continue)
            {
                return new TrialOutcomeReport(TrialState.Pruned, null, 100, null, cloning);
            }
        }

        return new TrialOutcomeReport(TrialState.Completed, null, 100, null, cloning);
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Task.FromResult(new TestResult(0.9, 0.3, 100));

    /// <summary>The trial whose weights these are, and the epoch they reached.</summary>
    public static (int Origin, int Epoch) Parse(string text)
    {
        var parts = text.Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
