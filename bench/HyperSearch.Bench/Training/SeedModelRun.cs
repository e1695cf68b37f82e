using System.Diagnostics;
using HyperSearch.Training;

namespace HyperSearch.Bench.Training;

/// <summary>Trains a configuration on a prepared dataset through the public trainer and scores it on the test split.</summary>
internal static class SeedModelRun
{
    public sealed record Result(TrialOutcome Outcome, TestEvaluation Test, double Seconds);

    public static Result TrainAndTest(TrialConfig config, PreparedDataset data, string precision, int seed, Action<EpochReport>? onEpoch = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "hs-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clock = Stopwatch.StartNew();
            var outcome = TrialTrainer.Run(config, data, new TrialRunOptions(seed, CheckpointDirectory: dir) { Precision = precision }, r =>
            {
                onEpoch?.Invoke(r);
                return true;
            }, CancellationToken.None);
            if (outcome.Kind != TrialOutcomeKind.Completed)
                throw new InvalidOperationException($"{precision} run ended {outcome.Kind}: {outcome.FailureReason}");
            var test = TrialTrainer.EvaluateTest(config, data, dir);
            return new Result(outcome, test, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    public static string Describe(EpochReport r) =>
        $"epoch {r.Epoch,2}: train loss {r.TrainLoss:0.0000} acc {r.TrainAccuracy:P2} | val loss {r.ValLoss:0.0000} acc {r.ValAccuracy:P2} | {r.EpochSeconds,6:0.0} s, {r.ImagesPerSecond,6:0} img/s";
}
