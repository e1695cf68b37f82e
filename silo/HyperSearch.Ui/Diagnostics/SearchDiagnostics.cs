using HyperSearch.Contracts.Trials;

namespace HyperSearch.Diagnostics;

/// <summary>Pure checks over a whole search: the per-trial findings, plus what only shows across trials.</summary>
public static class SearchDiagnostics
{
    /// <param name="metric">The search's objective, when known: a metric no trial reported is a finding.</param>
    public static IReadOnlyList<Finding> Check(IReadOnlyList<TrialRecord> trials, int classes, string? metric = null)
    {
        var perTrial = trials.OrderBy(t => t.Number).SelectMany(t => TrialDiagnostics.Check(t, classes)).ToList();
        var search = new List<Finding>();
        search.AddRange(OutcomeChecks.Check(trials, metric));

        var mismatched = perTrial.Where(f => f.Kind == Finding.PreprocessingMismatch).ToList();
        if (mismatched.Count > 0 && !search.Any(f => f.Kind == Finding.PreprocessingMismatch))
        {
            var reason = trials.First(t => TrialDiagnostics.IsMismatch(t.FailureReason)).FailureReason;
            search.Add(new Finding(Finding.PreprocessingMismatch, FindingSeverity.Problem, null, null,
                $"{mismatched.Count} trial(s) refused to train because the dataset's splits are preprocessed differently: {reason}",
                "Normalize every split the same way (the same scaling for train, validation and test), then rerun the search."));
        }

        if (NearChance(trials, classes) is { } chance)
        {
            search.Add(chance);
        }

        var overfit = perTrial.Count(f => f.Kind == Finding.Overfitting);
        var trained = trials.Count(t => t.Epochs.Count >= 3);
        if (overfit >= 2 && overfit * 2 >= trained)
        {
            search.Add(new Finding(Finding.Overfitting, FindingSeverity.Warning, null, null,
                $"{overfit} of {trained} trials that ran 3+ epochs overfit",
                "Search dropout and augmentation (augment_flip, augment_crop_padding) or weight decay, use fewer epochs, or train on more data."));
        }

        var diverged = perTrial.Count(f => f.Kind == Finding.Divergence);
        if (diverged >= 2)
        {
            search.Add(new Finding(Finding.Divergence, FindingSeverity.Warning, null, null,
                $"{diverged} trials diverged",
                "Lower the upper bound of the learning-rate range, or add batch norm to the space."));
        }

        // A whole-search near-chance finding makes the per-trial "not learning" notes noise.
        if (search.Any(f => f.Kind == Finding.NearChance))
        {
            perTrial.RemoveAll(f => f.Kind == Finding.NotLearning);
        }

        return [.. search, .. perTrial];
    }

    /// <summary>Every trial that trained sits near chance: a data problem, not a hyperparameter problem.</summary>
    public static Finding? NearChance(IReadOnlyList<TrialRecord> trials, int classes)
    {
        var trained = trials.Where(t => t.Epochs.Count > 0).ToList();
        if (trained.Count < 2 || classes < 2)
        {
            return null;
        }

        var threshold = TrialDiagnostics.NearChanceThreshold(classes);
        var best = trained.Max(t => t.Epochs.Max(e => e.Get(EpochMetrics.ValAccuracy) ?? 0));
        return best <= threshold
            ? new Finding(Finding.NearChance, FindingSeverity.Problem, null, null,
                $"all {trained.Count} trials sit near chance (best val accuracy {TrialDiagnostics.ThreeDecimals(best)}; chance is {TrialDiagnostics.ThreeDecimals(1.0 / classes)} for {classes} classes) — a data problem, not a hyperparameter problem",
                "Check the data: labels aligned with their images, images not blank or constant, every split normalized the same way, the right number of classes.")
            : null;
    }
}
