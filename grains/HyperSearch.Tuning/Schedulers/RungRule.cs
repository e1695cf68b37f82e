using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Schedulers;

/// <summary>The asynchronous successive-halving test shared by ASHA and Hyperband.</summary>
internal static class RungRule
{
    /// <summary>Rung levels r·η^k below <paramref name="maxResource"/> (a trial that reaches the maximum simply ends).</summary>
    public static int[] Levels(int minResource, int reductionFactor, int maxResource)
    {
        var levels = new List<int>();
        for (long level = minResource; level < maxResource; level *= reductionFactor)
        {
            levels.Add((int)level);
        }

        return [.. levels];
    }

    /// <summary>
    /// Continue when the trial's value at its current rung is among the best max(1, ⌊n/η⌋) of the n values
    /// recorded at that rung by <paramref name="isPeer"/> trials so far (the trial included); otherwise stop.
    /// </summary>
    /// <remarks>
    /// Never waits for a rung to fill: the first arrivals are judged against whoever is there (the very first one
    /// always continues, as in Optuna's SuccessiveHalvingPruner). Order of arrival does not matter beyond that: a late
    /// report is compared with every value recorded at that rung, whichever trial and whenever it was reported.
    /// Only the report that lands exactly on a rung is judged, so a promotion is never revisited.
    /// </remarks>
    public static SchedulerDecision Decide(StudyView study, TrialView trial, int[] levels, int reductionFactor, Func<TrialView, bool> isPeer)
    {
        var resource = study.IsMultiObjective ? MultiObjective.ObjectiveScores.Reached(study, trial) : trial.Curve.Count;
        if (Array.IndexOf(levels, resource) < 0)
        {
            return SchedulerDecision.Continue;
        }

        if (study.IsMultiObjective)
        {
            return MultiObjective.ParetoRung.Promotes(study, trial, resource, reductionFactor, isPeer)
                ? SchedulerDecision.Continue
                : SchedulerDecision.Stop;
        }

        var own = study.ScoreAt(trial, resource)!.Value;
        if (double.IsNegativeInfinity(own))
        {
            return SchedulerDecision.Stop; // a NaN objective never earns a promotion
        }

        var values = new List<double> { own };
        foreach (var other in study.Trials)
        {
            if (other.Number != trial.Number && isPeer(other) && study.ScoreAt(other, resource) is { } score)
            {
                values.Add(score);
            }
        }

        var promoted = Math.Max(1, values.Count / reductionFactor);
        values.Sort((a, b) => b.CompareTo(a));
        return own >= values[promoted - 1] ? SchedulerDecision.Continue : SchedulerDecision.Stop;
    }
}
