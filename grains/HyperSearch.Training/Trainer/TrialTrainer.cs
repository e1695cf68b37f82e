using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using HyperSearch.Randomness;
using static TorchSharp.torch;

namespace HyperSearch.Training;

/// <summary>
/// Trains one trial synchronously on the calling thread (put it on a thread of its own). Training
/// failures are results: divergence, out of memory and unusable configurations come back as
/// <see cref="TrialOutcomeKind.Failed"/>, cancellation as <see cref="TrialOutcomeKind.Cancelled"/>.
/// </summary>
public static class TrialTrainer
{
    // Evaluation uses the training batch size (at least this many): activations of the same sizes as
    // training reuse the same freed heap blocks, where a larger evaluation batch (1000 images: a 173 MB
    // first-layer output for the seed model) made the heap grow by that much at some later epoch.
    private const int MinEvaluationBatch = 256;

    private static int EvaluationBatch(TrialConfig config) => Math.Max(config.BatchSize, MinEvaluationBatch);

    /// <summary>
    /// Runs the epochs of <paramref name="config"/>; after each one, <paramref name="onEpoch"/> gets its
    /// report and returns false to stop (→ <see cref="TrialOutcomeKind.Stopped"/>, even after the last
    /// epoch). Cancellation is checked before every batch.
    /// </summary>
    public static TrialOutcome Run(TrialConfig config, PreparedDataset data, TrialRunOptions options, Func<EpochReport, bool> onEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onEpoch);
        return Run(config, data, options, report => Task.FromResult(onEpoch(report)), cancellationToken);
    }

    /// <summary>
    /// Runs the epochs of <paramref name="config"/>; after each one, <paramref name="onEpoch"/> gets its report and
    /// returns the decision to come: true to go on. The next epoch starts at once instead of waiting for it. A false
    /// that arrives during that epoch stops it where it is; one that arrives after it keeps it out. Either way the
    /// outcome is <see cref="TrialOutcomeKind.Stopped"/> with the reports and the checkpoint of the epoch decided on,
    /// so a stop costs at most the decision's round trip of training, and a go-on costs the trainer nothing.
    /// Cancellation is checked before every batch.
    /// </summary>
    public static TrialOutcome Run(TrialConfig config, PreparedDataset data, TrialRunOptions options, Func<EpochReport, Task<bool>> onEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onEpoch);
        TorchRuntime.Initialize();
        var reports = new List<EpochReport>();
        long parameters = 0;
        TrialOutcome Failed(string reason) => new(TrialOutcomeKind.Failed, reports, reason, parameters);
        try
        {
            parameters = ModelBuilder.CountParameters(config, data.Info);
            bool bf16 = config.Bf16 || ParsePrecision(options.Precision);
            var device = TorchRuntime.ResolveDevice(options.Device);
            using var run = new TrialRun(config, data, options, device, bf16, reports);
            var outcome = run.Execute(onEpoch, cancellationToken);
            if (!options.KeepFinalModel && outcome != TrialOutcomeKind.Cancelled && options.CheckpointDirectory is { } dir)
                File.Delete(Checkpoint.PathIn(dir));
            return new TrialOutcome(outcome, reports, run.FailureReason, parameters) { Cloning = run.Clone };
        }
        catch (CallbackException e)
        {
            // The caller's own callback failed: that is the caller's exception, not a training result.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new TrialOutcome(TrialOutcomeKind.Cancelled, reports, null, parameters);
        }
        catch (ConfigException e)
        {
            return Failed($"invalid configuration: {e.Message}");
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            return Failed($"out of memory: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return Failed($"checkpoint: {e.Message}");
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            return Failed($"{e.GetType().Name}: {FirstLine(e.Message)}");
        }
    }

    /// <summary>Loads the final model of a trial from <paramref name="checkpointDirectory"/> and scores it on the test split.</summary>
    public static TestEvaluation EvaluateTest(TrialConfig config, PreparedDataset data, string checkpointDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        TorchRuntime.Initialize();
        var metadata = Checkpoint.ReadMetadata(checkpointDirectory)
            ?? throw new FileNotFoundException($"{Checkpoint.PathIn(checkpointDirectory)}: no checkpoint to evaluate");
        if (metadata.Config != Fingerprint(config))
            throw new InvalidOperationException($"{Checkpoint.PathIn(checkpointDirectory)} was written for a different configuration ({metadata.Config})");
        using var session = new TrainingSession(config, data.Info, metadata.Seed, TorchRuntime.ResolveDevice("auto"), bf16: false);
        Checkpoint.Restore(checkpointDirectory, session, includeOptimizer: false);
        var (loss, accuracy) = Evaluate(session, data, data.Test, EvaluationBatch(config), CancellationToken.None);
        return new TestEvaluation(loss, accuracy, data.TestCount);
    }

    /// <summary>Mean loss and accuracy of the session's fp32 model over a split (NaN for an empty split).</summary>
    internal static (double Loss, double Accuracy) Evaluate(TrainingSession session, PreparedDataset data, SplitData split, CancellationToken token) =>
        Evaluate(session, data, split, MinEvaluationBatch, token);

    /// <summary>As above, <paramref name="batch"/> images at a time.</summary>
    internal static (double Loss, double Accuracy) Evaluate(TrainingSession session, PreparedDataset data, SplitData split, int batch, CancellationToken token) =>
        Evaluate(session, new BatchSource(split, data.Info, data.Normalization, batch), batch, token);

    /// <summary>As above with a batch source the caller keeps across epochs: its 3–12 MB buffer would otherwise be large-object garbage every epoch.</summary>
    private static (double Loss, double Accuracy) Evaluate(TrainingSession session, BatchSource source, int batch, CancellationToken token)
    {
        int count = source.Count;
        if (count == 0) return (double.NaN, double.NaN);
        var order = source.Identity;
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < count; start += batch)
        {
            token.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (x, y) = source.Assemble(order.AsSpan(start, Math.Min(batch, count - start)), session.Device);
            var (l, c) = session.EvaluateBatch(x, y);
            lossSum += l;
            correct += c;
        }
        return (lossSum / count, (double)correct / count);
    }

    /// <summary>The configuration as stable text; a checkpoint only resumes or evaluates the configuration that wrote it.</summary>
    internal static string Fingerprint(TrialConfig config) =>
        JsonSerializer.Serialize(new SortedDictionary<string, object>(config.ToKnobs().ToDictionary(), StringComparer.Ordinal));

    private static bool ParsePrecision(string precision) => precision.ToLowerInvariant() switch
    {
        "fp32" or "float32" => false,
        "bf16" or "bfloat16" => true,
        _ => throw new ArgumentException($"precision '{precision}': expected fp32 or bf16"),
    };

    private static bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException
        || e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase);

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private sealed class CallbackException(Exception inner) : Exception(inner.Message, inner);

    /// <summary>The state of one run: session, data order, reports; executes the epoch loop.</summary>
    private sealed class TrialRun : IDisposable
    {
        private readonly TrialConfig config;
        private readonly PreparedDataset data;
        private readonly TrialRunOptions options;
        private readonly List<EpochReport> reports;
        private readonly TrainingSession session;
        private readonly SeededRandom rng;
        private readonly string fingerprint;
        private int completedEpochs;

        public TrialRun(TrialConfig config, PreparedDataset data, TrialRunOptions options, Device device, bool bf16, List<EpochReport> reports)
        {
            (this.config, this.data, this.options, this.reports) = (config, data, options, reports);
            fingerprint = Fingerprint(config);
            session = new TrainingSession(config, data.Info, options.Seed, device, bf16);
            rng = new SeededRandom((ulong)SeededRandom.DeriveSeed(options.Seed, TrainingSession.DataStream));
            if (options.CloneFrom is { } donor)
            {
                Clone = RestoreClone(donor);
            }
            else if (options.Resume && options.CheckpointDirectory is { } dir && Checkpoint.ReadMetadata(dir) is { } saved)
            {
                if (saved.Config != fingerprint)
                    throw new InvalidDataException($"{Checkpoint.PathIn(dir)} was written for a different configuration; refusing to resume from it");
                if (saved.Seed != options.Seed)
                    throw new InvalidDataException($"{Checkpoint.PathIn(dir)} was written with seed {saved.Seed}, not {options.Seed}; refusing to resume from it");
                var restored = Checkpoint.Restore(dir, session);
                rng.State = restored.DataRngState;
                completedEpochs = restored.Epoch;
                reports.AddRange(restored.Reports);
            }
        }

        public string? FailureReason { get; private set; }

        public CloneHashes? Clone { get; }

        /// <summary>Population Based Training: continues from the copy of a donor's checkpoint with this run's
        /// configuration (only trainable knobs differ, so every tensor fits), keeping none of the donor's reports (the
        /// trial's own curve goes on), and hashes the donor's and the loaded weights before any step.</summary>
        private CloneHashes RestoreClone(string donor)
        {
            if (!options.Resume || options.CheckpointDirectory is not { } dir || Checkpoint.ReadMetadata(dir) is null)
                throw new InvalidDataException($"cloning {donor}: no copy of the donor's checkpoint in {options.CheckpointDirectory}");
            var restored = Checkpoint.Restore(dir, session);
            rng.State = restored.DataRngState;
            completedEpochs = restored.Epoch;
            return new CloneHashes(restored.Epoch, WeightsHash.OfCheckpoint(donor), WeightsHash.Of(session.Model));
        }

        public TrialOutcomeKind Execute(Func<EpochReport, Task<bool>> onEpoch, CancellationToken cancellation)
        {
            // Cancelled by the attempt's cancellation or by a decision to stop.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            Task<bool>? pending = null;
            try
            {
                var outcome = Epochs(onEpoch, stop, ref pending);
                if (outcome == TrialOutcomeKind.Failed && pending is not null && !Decided(pending))
                {
                    // Diverged in an epoch that a decision to stop had already ruled out.
                    FailureReason = null;
                    return TrialOutcomeKind.Stopped;
                }

                return outcome;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && pending is { IsCompleted: true })
            {
                // A decision to stop ended the epoch in progress; a failed callback rethrows as its own exception.
                return Decided(pending) ? throw new InvalidOperationException("training was stopped without a decision to stop") : TrialOutcomeKind.Stopped;
            }
        }

        /// <summary>The decision on the last reported epoch, waited for without spinning (it has nearly always come).</summary>
        private static bool Decided(Task<bool> decision)
        {
            try
            {
                return BlockingWait.ForResult(decision);
            }
            catch (Exception e)
            {
                throw new CallbackException(e);
            }
        }

        private TrialOutcomeKind Epochs(Func<EpochReport, Task<bool>> onEpoch, CancellationTokenSource stop, ref Task<bool>? pending)
        {
            var token = stop.Token;
            // Created once per run: per-epoch buffers would pile up as large-object garbage and grow RSS.
            var train = new BatchSource(data.Train, data.Info, data.Normalization, config.BatchSize);
            int evaluationBatch = EvaluationBatch(config);
            var validation = new BatchSource(data.Validation, data.Info, data.Normalization, evaluationBatch);
            var passes = new EpochChunks(data.TrainCount, Hyperparameters.ChunksPerPass(config.EpochFraction), options.Seed, rng);
            long plannedSteps = (long)config.Epochs * ((passes.LargestChunk + config.BatchSize - 1) / config.BatchSize);
            for (int epoch = completedEpochs + 1; epoch <= config.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                var order = passes.For(epoch);
                double lossSum = 0;
                long correct = 0, seen = 0;
                int batches = (order.Length + config.BatchSize - 1) / config.BatchSize;
                for (int b = 0; b < batches; b++)
                {
                    token.ThrowIfCancellationRequested();
                    int start = b * config.BatchSize, count = Math.Min(config.BatchSize, order.Length - start);
                    // Batch norm cannot train on a single image; a lone trailing image waits for the next epoch.
                    if (count < 2 && config.BatchNorm) continue;
                    using var scope = NewDisposeScope();
                    var (x, y) = train.Assemble(order.Slice(start, count), session.Device, rng, config.AugmentFlip, config.AugmentCropPadding);
                    session.Optimizer.LearningRateScale = LearningRateSchedule.Factor(config.LrSchedule, session.Optimizer.Steps, plannedSteps);
                    var (loss, c) = session.TrainStep(x, y);
                    if (!float.IsFinite(loss))
                    {
                        FailureReason = $"diverged at epoch {epoch}, batch {b + 1}: loss is {loss}";
                        return TrialOutcomeKind.Failed;
                    }
                    lossSum += (double)loss * count;
                    correct += c;
                    seen += count;
                    options.AfterBatch?.Invoke(epoch, b + 1);
                }
                double trainSeconds = epochClock.Elapsed.TotalSeconds;
                var validationClock = Stopwatch.StartNew();
                var (valLoss, valAccuracy) = Evaluate(session, validation, evaluationBatch, token);
                double inferenceMs = data.ValidationCount > 0 ? validationClock.Elapsed.TotalMilliseconds / data.ValidationCount : 0;
                if (data.ValidationCount > 0 && !double.IsFinite(valLoss))
                {
                    FailureReason = $"diverged at epoch {epoch}, during validation: loss is {valLoss}";
                    return TrialOutcomeKind.Failed;
                }
                if (pending is not null && !Decided(pending))
                    return TrialOutcomeKind.Stopped;
                completedEpochs = epoch;
                var report = new EpochReport(epoch, lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), valLoss, valAccuracy,
                    epochClock.Elapsed.TotalSeconds, seen / trainSeconds, inferenceMs);
                reports.Add(report);
                if (options.CheckpointDirectory is { } dir)
                    Checkpoint.Save(dir, new Checkpoint.Metadata(epoch, options.Seed, session.Bf16 ? "bf16" : "fp32", fingerprint, rng.State, reports), session);
                try
                {
                    pending = onEpoch(report);
                }
                catch (Exception e)
                {
                    throw new CallbackException(e);
                }
                pending.ContinueWith(static (decided, state) =>
                {
                    if (!decided.IsCompletedSuccessfully || !decided.Result)
                        CancelQuietly((CancellationTokenSource)state!);
                }, stop, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return pending is not null && !Decided(pending) ? TrialOutcomeKind.Stopped : TrialOutcomeKind.Completed;
        }

        private static void CancelQuietly(CancellationTokenSource stop)
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The run ended before the decision came (cancelled): nothing to stop.
            }
        }

        public void Dispose() => session.Dispose();
    }
}
