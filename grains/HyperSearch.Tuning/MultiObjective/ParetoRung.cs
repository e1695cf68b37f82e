namespace HyperSearch.Tuning.MultiObjective;

/// <summary>Successive halving on non-dominated rank: the multi-objective form of the rung test of ASHA and Hyperband.</summary>
/// <remarks>
/// At a rung, the objective vectors recorded there by peer trials (the reporting trial included) are ordered as NSGA-II
/// orders survivors: by non-dominated rank, then by crowding distance within the rank. The trial continues when it is
/// among the first max(1, ⌊n/η⌋). With one objective this is exactly the single-objective rule.
/// </remarks>
internal static class ParetoRung
{
    public static bool Promotes(StudyView study, TrialView trial, int resource, int reductionFactor, Func<TrialView, bool> isPeer)
    {
        if (study.ScoresAt(trial, resource) is not { } own || own.Any(double.IsNegativeInfinity))
        {
            return false; // a NaN objective never earns a promotion
        }

        // The reporting trial goes first, so it wins exact ties, as in the single-objective rule.
        var points = new List<IReadOnlyList<double>> { own };
        foreach (var other in study.Trials)
        {
            if (other.Number != trial.Number && isPeer(other) && study.ScoresAt(other, resource) is { } scores)
            {
                points.Add(scores);
            }
        }

        var promoted = Math.Max(1, points.Count / reductionFactor);
        return Array.IndexOf(Pareto.Order(points), 0) < promoted;
    }
}
