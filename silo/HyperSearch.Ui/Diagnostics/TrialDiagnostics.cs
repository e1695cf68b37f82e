using System.Globalization;
using System.Text.RegularExpressions;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Diagnostics;

/// <summary>Pure checks over one trial's record: what went wrong and since which epoch.</summary>
public static partial class TrialDiagnostics
{
    /// <summary>The train–val accuracy gap must widen by this much past its narrowest point to count as growing.</summary>
    public const double GapGrowth = 0.03;

    /// <summary>…and end at least this wide.</summary>
    public const double MinFinalGap = 0.05;

    /// <summary>Validation loss must end this fraction above its minimum.</summary>
    public const double ValLossRise = 0.05;

    public static IReadOnlyList<Finding> Check(TrialRecord trial, int classes)
    {
        var findings = new List<Finding>();
        if (Mismatch(trial) is { } mismatch)
        {
            findings.Add(mismatch);
            return findings; // nothing trained: nothing else to say
        }

        if (Divergence(trial) is { } divergence)
        {
            findings.Add(divergence);
        }

        if (Overfitting(trial) is { } overfitting)
        {
            findings.Add(overfitting);
        }

        if (NotLearning(trial, classes) is { } stalled)
        {
            findings.Add(stalled);
        }

        return findings;
    }

    /// <summary>The training engine refused the data: its splits were preprocessed differently.</summary>
    public static Finding? Mismatch(TrialRecord trial) =>
        IsMismatch(trial.FailureReason)
            ? new Finding(Finding.PreprocessingMismatch, FindingSeverity.Problem, trial.Number, null,
                $"trial {trial.Number}: the data's splits are preprocessed differently — {trial.FailureReason}",
                "Normalize every split the same way (scale train, validation and test identically, e.g. all to [0,1]) and rerun; no hyperparameter can fix this.")
            : null;

    public static bool IsMismatch(string? reason) =>
        reason is not null && (reason.Contains("disagrees in scale", StringComparison.OrdinalIgnoreCase)
                               || reason.Contains("preprocess every split", StringComparison.OrdinalIgnoreCase));

    /// <summary>Loss went non-finite (reported by the engine), or training loss blew up far above where it started.</summary>
    public static Finding? Divergence(TrialRecord trial)
    {
        if (trial.FailureReason is { } reason && reason.Contains("diverged", StringComparison.OrdinalIgnoreCase))
        {
            int? epoch = DivergedAt().Match(reason) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
            return new Finding(Finding.Divergence, FindingSeverity.Problem, trial.Number, epoch,
                $"trial {trial.Number} diverged{(epoch is { } e ? $" at epoch {e}" : "")}: {reason}",
                "Lower the learning rate (try a tenth), add batch norm, or narrow the learning-rate range of the search.");
        }

        var losses = trial.Epochs.Select(e => e.Get(EpochMetrics.TrainLoss)).ToList();
        if (losses.Count >= 2 && losses[0] is { } first && first > 0)
        {
            for (var i = 1; i < losses.Count; i++)
            {
                if (losses[i] is { } l && (!double.IsFinite(l) || l > 3 * first))
                {
                    var epoch = trial.Epochs[i].Epoch;
                    return new Finding(Finding.Divergence, FindingSeverity.Problem, trial.Number, epoch,
                        $"trial {trial.Number}: training loss rose from {ThreeDecimals(first)} to {ThreeDecimals(l)} by epoch {epoch}",
                        "Lower the learning rate (try a tenth), add batch norm, or narrow the learning-rate range of the search.");
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Validation loss rising while training loss falls, or the train–val accuracy gap growing; names the first
    /// epoch past the best validation point.
    /// </summary>
    public static Finding? Overfitting(TrialRecord trial)
    {
        var epochs = trial.Epochs;
        if (epochs.Count < 3)
        {
            return null;
        }

        var evidence = new List<string>();
        int? since = null;

        // Val loss: its minimum is not the last epoch, it ended clearly above it, and train loss fell meanwhile.
        var valLoss = epochs.Select(e => e.Get(EpochMetrics.ValLoss)).ToList();
        var trainLoss = epochs.Select(e => e.Get(EpochMetrics.TrainLoss)).ToList();
        if (valLoss.All(v => v is { } x && double.IsFinite(x)) && trainLoss.All(v => v is { } x && double.IsFinite(x)))
        {
            var best = IndexOfMin(valLoss.Select(v => v!.Value).ToList());
            var lastVal = valLoss[^1]!.Value;
            if (best < epochs.Count - 1 && lastVal > valLoss[best]!.Value * (1 + ValLossRise) && trainLoss[^1]!.Value < trainLoss[best]!.Value)
            {
                since = epochs[best + 1].Epoch;
                evidence.Add($"validation loss rose from {ThreeDecimals(valLoss[best]!.Value)} (epoch {epochs[best].Epoch}) to {ThreeDecimals(lastVal)} while training loss fell from {ThreeDecimals(trainLoss[best]!.Value)} to {ThreeDecimals(trainLoss[^1]!.Value)}");
            }
        }

        // Accuracy gap: widened by GapGrowth past its narrowest point and ends wide.
        var gaps = epochs.Select(e => e.Get(EpochMetrics.TrainAccuracy) - e.Get(EpochMetrics.ValAccuracy)).ToList();
        if (gaps.All(g => g is { } x && double.IsFinite(x)))
        {
            var values = gaps.Select(g => g!.Value).ToList();
            // Epoch 1's training accuracy is averaged while the model starts from scratch, so its gap is biased
            // low (often negative); with enough epochs the baseline is taken from epoch 2 on.
            var skip = values.Count >= 4 ? 1 : 0;
            var narrowest = skip + IndexOfMin(values.Skip(skip).ToList());
            if (values[^1] >= MinFinalGap && values[^1] - values[narrowest] >= GapGrowth && narrowest < values.Count - 1)
            {
                // The gap starts growing for good at the first epoch after the narrowest one that it never falls back from.
                var start = narrowest + 1;
                since ??= epochs[start].Epoch;
                evidence.Add($"the train–val accuracy gap grew from {ThreeDecimals(values[narrowest])} (epoch {epochs[narrowest].Epoch}) to {ThreeDecimals(values[^1])}");
            }
        }

        if (since is null)
        {
            return null;
        }

        return new Finding(Finding.Overfitting, FindingSeverity.Warning, trial.Number, since,
            $"trial {trial.Number} overfits from epoch {since}: {string.Join("; ", evidence)}",
            $"Stop around epoch {since - 1} (early stopping), or regularize: more dropout, augmentation (flip, crop), weight decay, or more training data.");
    }

    /// <summary>A trial that trained and still sits near chance (only reported per trial; a whole search near chance is a search finding).</summary>
    public static Finding? NotLearning(TrialRecord trial, int classes)
    {
        if (trial.State != TrialState.Completed || trial.Epochs.Count == 0 || classes < 2)
        {
            return null;
        }

        var best = trial.Epochs.Max(e => e.Get(EpochMetrics.ValAccuracy) ?? 0);
        return best <= NearChanceThreshold(classes)
            ? new Finding(Finding.NotLearning, FindingSeverity.Warning, trial.Number, null,
                $"trial {trial.Number} stayed near chance (best val accuracy {ThreeDecimals(best)}, chance {ThreeDecimals(1.0 / classes)})",
                "Its learning rate is probably too low or too high for its optimizer; narrow the learning-rate range.")
            : null;
    }

    /// <summary>Accuracy at most this is "near chance" for <paramref name="classes"/> balanced classes.</summary>
    public static double NearChanceThreshold(int classes) => 1.0 / classes + 0.05;

    internal static string ThreeDecimals(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static int IndexOfMin(IReadOnlyList<double> values)
    {
        var index = 0;
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] < values[index])
            {
                index = i;
            }
        }

        return index;
    }

    [GeneratedRegex(@"epoch (\d+)")]
    private static partial Regex DivergedAt();
}
