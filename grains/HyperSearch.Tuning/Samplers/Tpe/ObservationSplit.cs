using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers.Tpe;

/// <summary>Splits the study's observations into the good set (for l(x)) and the bad set (for g(x)).</summary>
/// <remarks>
/// Trials stopped early and trials run to the end must be compared fairly, so the good set is chosen at one
/// common resource: the highest one that enough finished trials reached (see <see cref="TpeOptions.LevelSelectivity"/>),
/// ranking them by their value there. Unlike ranking by "furthest step reached" (Optuna), this does not reward a
/// poor configuration just because its Hyperband bracket never stops anything.
/// Running and waiting trials are liars: always bad, so parallel workers are pushed apart.
/// </remarks>
internal static class ObservationSplit
{
    internal sealed record Result(IReadOnlyList<TrialView> Good, IReadOnlyList<TrialView> Bad, int ScoredCount);

    public static Result Compute(StudyView study, int excludeNumber, TpeOptions options)
    {
        var scored = new List<TrialView>();
        var liars = new List<TrialView>();
        foreach (var trial in study.Trials)
        {
            if (trial.Number == excludeNumber)
            {
                continue;
            }

            if (trial.Status is TrialStatus.Completed or TrialStatus.Pruned && trial.Curve.Count > 0)
            {
                scored.Add(trial);
            }
            else if (options.ConstantLiar && trial.Status is TrialStatus.Running or TrialStatus.Waiting)
            {
                liars.Add(trial);
            }
        }

        if (scored.Count == 0)
        {
            return new Result([], liars, 0);
        }

        // 1e-9 keeps 0.1 * 30 from rounding up to 4.
        var goodCount = (int)Math.Clamp(Math.Ceiling(options.Gamma * scored.Count - 1e-9), 1, options.MaxGood);
        var level = CommonLevel(scored, (int)Math.Ceiling(goodCount / options.LevelSelectivity - 1e-9));
        var good = scored
            .Where(t => t.Curve.Count >= level)
            .OrderByDescending(t => study.ScoreAt(t, level)!.Value)
            .ThenBy(t => t.Number)
            .Take(goodCount)
            .Select(t => t.Number)
            .ToHashSet();

        // Both sets stay in trial order: the kernel weights fade the oldest observations.
        var goodTrials = scored.Where(t => good.Contains(t.Number)).OrderBy(t => t.Number).ToList();
        var badTrials = scored.Where(t => !good.Contains(t.Number)).Concat(liars).OrderBy(t => t.Number).ToList();
        return new Result(goodTrials, badTrials, scored.Count);
    }

    /// <summary>The highest resource that at least <paramref name="needed"/> trials reached (the lowest one if none qualifies).</summary>
    private static int CommonLevel(List<TrialView> scored, int needed)
    {
        var reached = scored.Select(t => t.Curve.Count).OrderByDescending(c => c).ToArray();
        return reached[Math.Min(needed, reached.Length) - 1];
    }
}
