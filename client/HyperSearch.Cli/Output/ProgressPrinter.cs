using System.Globalization;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Output;

/// <summary>Live progress as plain lines: one per epoch reported and per trial that ends, so it reads the same
/// in a terminal, a log file or CI.</summary>
internal sealed class ProgressPrinter(TextWriter output) : IProgressView
{
    private readonly Dictionary<int, int> _epochsSeen = [];
    private readonly HashSet<int> _ended = [];

    public void Update(SearchStatus status, IReadOnlyList<TrialRecord> trials)
    {
        var elapsed = TimeSpan.FromSeconds(status.WallSeconds);
        var done = status.Count(TrialState.Completed) + status.Count(TrialState.Pruned) + status.Count(TrialState.Failed) + status.Count(TrialState.Cancelled);
        var tail = $"done {done}/{status.MaxTrials} · best {Format(status.Best?.Objective)}{(status.Best is { } b ? $" (trial {b.Number})" : "")}";
        foreach (var trial in trials)
        {
            var seen = _epochsSeen.GetValueOrDefault(trial.Number);
            for (var e = seen; e < trial.Epochs.Count; e++)
            {
                var epoch = trial.Epochs[e];
                var max = status.Running.FirstOrDefault(r => r.Number == trial.Number)?.MaxEpochs;
                output.WriteLine($"[{elapsed:hh\\:mm\\:ss}] trial {trial.Number} epoch {epoch.Epoch}{(max is { } m ? $"/{m}" : "")}: " +
                                 $"train_acc {Format(epoch.Get(EpochMetrics.TrainAccuracy))} val_acc {Format(epoch.Get(EpochMetrics.ValAccuracy))} " +
                                 $"val_loss {Format(epoch.Get(EpochMetrics.ValLoss))} | {tail}");
            }

            _epochsSeen[trial.Number] = trial.Epochs.Count;
            if (trial.State.IsTerminal() && _ended.Add(trial.Number))
            {
                var reason = trial.FailureReason is null ? "" : $" — {ResultPrinter.FirstLine(trial.FailureReason)}";
                output.WriteLine($"[{elapsed:hh\\:mm\\:ss}] trial {trial.Number} {trial.State.ToString().ToLowerInvariant()} after {trial.Epochs.Count} epoch(s): {status.Metric} {Format(trial.Objective)}{reason}");
            }
        }
    }

    public static string Format(double? value) =>
        value is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
}
