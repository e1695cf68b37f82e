using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Schedulers;

/// <summary>Stops a trial whose best value so far is worse than a percentile of the completed trials' values at the
/// same resource (Optuna's PercentilePruner; <see cref="Median"/> is its MedianPruner).</summary>
/// <remarks>
/// Nothing is stopped during the first <see cref="GracePeriod"/> reports, before <see cref="MinTrials"/> other trials
/// have completed, or when fewer than <see cref="MinReports"/> completed trials reached this resource. Only completed
/// trials set the bar: pruned ones are a biased (worse) sample and would lower it. A trial's last report (at the maximum
/// resource) is never stopped, so a finished trial counts as completed.
/// </remarks>
public sealed class PercentileScheduler : ITrialScheduler
{
    public PercentileScheduler(double percentile, int gracePeriod = 0, int minTrials = 5, int minReports = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100.0);
        ArgumentOutOfRangeException.ThrowIfNegative(gracePeriod);
        ArgumentOutOfRangeException.ThrowIfNegative(minTrials);
        ArgumentOutOfRangeException.ThrowIfLessThan(minReports, 1);
        (Percentile, GracePeriod, MinTrials, MinReports) = (percentile, gracePeriod, minTrials, minReports);
    }

    /// <summary>The median stopping rule: <c>PercentileScheduler(50)</c>.</summary>
    public static PercentileScheduler Median(int gracePeriod = 0, int minTrials = 5, int minReports = 1) =>
        new(50.0, gracePeriod, minTrials, minReports);

    /// <summary>A trial survives when its best value so far is within the best <c>Percentile</c> percent of the completed
    /// trials' values at the same resource (50: the median rule; 25: only the best quarter survives).</summary>
    public double Percentile { get; }

    public int GracePeriod { get; }

    public int MinTrials { get; }

    public int MinReports { get; }

    public SchedulerDecision OnReport(StudyView study, TrialView trial)
    {
        var resource = trial.Curve.Count;
        if (resource == 0 || resource <= GracePeriod || resource >= study.MaxResource)
        {
            return SchedulerDecision.Continue;
        }

        var completed = 0;
        var values = new List<double>();
        foreach (var other in study.Trials)
        {
            if (other.Number == trial.Number || other.Status != TrialStatus.Completed)
            {
                continue;
            }

            completed++;
            if (study.ScoreAt(other, resource) is { } score && !double.IsNegativeInfinity(score))
            {
                values.Add(score);
            }
        }

        if (completed < MinTrials || values.Count < MinReports)
        {
            return SchedulerDecision.Continue;
        }

        var best = trial.Curve.Max(v => study.Direction.Score(v));
        return best < Interpolate(values, 100.0 - Percentile) ? SchedulerDecision.Stop : SchedulerDecision.Continue;
    }

    /// <summary>The q-th percentile with linear interpolation between order statistics (numpy's default).</summary>
    internal static double Interpolate(List<double> values, double q)
    {
        values.Sort();
        var position = q / 100.0 * (values.Count - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, values.Count - 1);
        return values[lower] + (values[upper] - values[lower]) * (position - lower);
    }
}
