namespace HyperSearch.Training;

/// <summary>How one trial runs: its seed, where it checkpoints, whether it resumes, and on which device.</summary>
/// <param name="Seed">Seeds initialisation, dropout, data order and augmentation; same seed → same metrics on CPU.</param>
/// <param name="CheckpointDirectory">When set, a checkpoint is written there atomically after every epoch.</param>
/// <param name="Resume">Continue from the checkpoint in <paramref name="CheckpointDirectory"/> when there is one.</param>
/// <param name="Device">"auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".</param>
/// <param name="KeepFinalModel">Keep the last checkpoint after the run so <see cref="TrialTrainer.EvaluateTest"/> can load it.
/// A cancelled run always keeps it, as it may be resumed elsewhere.</param>
public sealed record TrialRunOptions(int Seed, string? CheckpointDirectory = null, bool Resume = false, string Device = "auto", bool KeepFinalModel = true)
{
    /// <summary>
    /// "fp32" (default) or "bf16": mixed precision by hand (fp32 master weights and optimizer, bfloat16
    /// compute copy for forward and backward), for CPUs with AVX512-BF16/AMX and for GPUs.
    /// </summary>
    public string Precision { get; init; } = "fp32";

    /// <summary>Population Based Training: <see cref="CheckpointDirectory"/> holds a copy of this donor snapshot folder's
    /// checkpoint; resume from it with this run's configuration (the donor's differs in its explored knobs) and report the
    /// donor's and the loaded weights' hashes in <see cref="TrialOutcome.Cloning"/>.</summary>
    public string? CloneFrom { get; init; }

    /// <summary>Called on the training thread after each training batch with (epoch, batch); lets tests act mid-epoch.</summary>
    internal Action<int, int>? AfterBatch { get; init; }
}

/// <summary>Metrics of one finished epoch.</summary>
/// <param name="EpochSeconds">Wall time of the epoch's training and validation (the checkpoint write after it is not included).</param>
/// <param name="ImagesPerSecond">Training images per second of the training phase (batching and augmentation included).</param>
/// <param name="InferenceMsPerImage">Milliseconds per image of the validation pass (forward only); 0 without a validation split.</param>
public sealed record EpochReport(int Epoch, double TrainLoss, double TrainAccuracy, double ValLoss, double ValAccuracy, double EpochSeconds, double ImagesPerSecond, double InferenceMsPerImage = 0);

/// <summary>Completed = all epochs ran; Stopped = the epoch callback asked to stop (e.g. pruned); Failed = diverged, out of memory or unusable configuration; Cancelled = the token fired.</summary>
public enum TrialOutcomeKind { Completed, Stopped, Failed, Cancelled }

/// <summary>The result of <see cref="TrialTrainer.Run"/>: every epoch report (restored ones included) and, when failed, why.</summary>
public sealed record TrialOutcome(TrialOutcomeKind Kind, IReadOnlyList<EpochReport> Epochs, string? FailureReason, long ParameterCount)
{
    /// <summary>When the run cloned a donor (<see cref="TrialRunOptions.CloneFrom"/>): what it compared before its first step.</summary>
    public CloneHashes? Cloning { get; init; }
}

/// <summary>The clone check of a run that started from a donor's checkpoint at <paramref name="Epoch"/>: the donor
/// snapshot's weights hash and the hash of the weights the run loaded, taken before its first training step.</summary>
public sealed record CloneHashes(int Epoch, string DonorWeightsHash, string LoadedWeightsHash);

/// <summary>Loss and accuracy of a trained model on the held-out test split.</summary>
public sealed record TestEvaluation(double TestLoss, double TestAccuracy, int Count)
{
    /// <summary>A distribution shift the caller allowed through, or null.</summary>
    public string? Warning { get; init; }
}
