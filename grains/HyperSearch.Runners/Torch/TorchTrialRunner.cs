using HyperSearch.Training;

namespace HyperSearch.Runners;

/// <summary>Runs trials on the built-in TorchSharp trainer, each on a dedicated training thread (TorchSharp dispose
/// scopes are per thread, and a long training loop must never occupy the Orleans scheduler or the thread pool).</summary>
public sealed class TorchTrialRunner(SlotResources resources, string? dataDirectory) : ITrialRunner
{

    public Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken) =>
        OnDedicatedThread(() =>
        {
            TrialConfig config;
            PreparedDataset data;
            try
            {
                config = Hyperparameters.Parse(work.EffectiveParameters);
                data = DatasetCatalog.Load(DatasetLocation.OptionsFor(work.Spec.Dataset, dataDirectory));
            }
            catch (Exception e) when (e is ConfigException or DatasetException)
            {
                return new TrialOutcomeReport(TrialState.Failed, e.Message, null);
            }

            // This trial's place: its GPU, or its share of the cores (set on this, its training thread).
            using var lease = resources.Acquire();
            TorchRuntime.SetThreadsForThisThread(resources.ThreadsPerTrial);
            var options = new TrialRunOptions(SeedFor(work), work.CheckpointDirectory, work.Resume, lease.Device) { CloneFrom = work.CloneFrom };
            var parameterCount = ModelBuilder.CountParameters(config, data.Info);
            // The next epoch trains while the coordinator decides on this one (a stop ends it where it is).
            var outcome = TrialTrainer.Run(config, data, options, report => GoesOn(onEpoch(ToMetrics(report, parameterCount))), cancellationToken);
            var state = outcome.Kind switch
            {
                TrialOutcomeKind.Completed => TrialState.Completed,
                TrialOutcomeKind.Stopped => TrialState.Pruned,
                TrialOutcomeKind.Failed => TrialState.Failed,
                _ => TrialState.Cancelled,
            };
            // The whole curve, restored epochs included, so the coordinator's record has no gap after a resume.
            var clone = outcome.Cloning is { } c ? new CloneCheck(c.Epoch, c.DonorWeightsHash, c.LoadedWeightsHash) : null;
            return new TrialOutcomeReport(state, outcome.FailureReason, outcome.ParameterCount, outcome.Epochs.Select(e => ToMetrics(e, parameterCount)).ToList(), clone);
        });

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        OnDedicatedThread(() =>
        {
            var config = Hyperparameters.Parse(work.EffectiveParameters);
            var data = DatasetCatalog.Load(DatasetLocation.OptionsFor(work.Spec.Dataset, dataDirectory));
            var result = TrialTrainer.EvaluateTest(config, data, work.CheckpointDirectory);
            return new TestResult(result.TestAccuracy, result.TestLoss, result.Count);
        });

    private static Task<bool> GoesOn(Task<EpochDecision> decision) =>
        decision.ContinueWith(static d => d.GetAwaiter().GetResult() == EpochDecision.Continue, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Each trial's seed derives from the search seed and the trial number: reproducible, and distinct per trial.</summary>
    public static int SeedFor(WorkItem work) => unchecked(work.Spec.Search.Seed * 1_000_003 + work.TrialNumber);

    /// <summary>The epoch's metrics, with the parameter count so that model size can be an objective.</summary>
    private static EpochMetrics ToMetrics(EpochReport report, long parameterCount) => new(report.Epoch, new Dictionary<string, double>
    {
        [EpochMetrics.Params] = parameterCount,
        [EpochMetrics.InferenceMsPerImage] = report.InferenceMsPerImage,
        [EpochMetrics.TrainLoss] = report.TrainLoss,
        [EpochMetrics.TrainAccuracy] = report.TrainAccuracy,
        [EpochMetrics.ValLoss] = report.ValLoss,
        [EpochMetrics.ValAccuracy] = report.ValAccuracy,
        [EpochMetrics.EpochSeconds] = report.EpochSeconds,
        [EpochMetrics.ImagesPerSecond] = report.ImagesPerSecond,
    });

    private static Task<T> OnDedicatedThread<T>(Func<T> work) => TrainingThreads.Run(work);
}
