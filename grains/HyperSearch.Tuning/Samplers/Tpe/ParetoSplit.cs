using HyperSearch.Tuning.MultiObjective;

namespace HyperSearch.Tuning.Samplers.Tpe;

/// <summary>The good/bad split of multi-objective TPE (Ozaki et al. 2020, 2022), multi-fidelity aware.</summary>
/// <remarks>
/// The good set takes whole non-dominated fronts while they fit in min(⌈γ·n⌉, max_good); the front that overflows is
/// cut by greedy hypervolume subset selection (each step adds the point that adds the most hypervolume). Good trials
/// are weighted by their hypervolume contribution within the good set (normalized to the largest, floored at 1e-12),
/// so l(x) leans on the points that shape the front. As in <see cref="ObservationSplit"/>, trials are compared at one
/// common resource, and running or waiting trials are constant liars in the bad set.
/// </remarks>
internal static class ParetoSplit
{
    internal sealed record Result(IReadOnlyList<TrialView> Good, IReadOnlyList<double> GoodWeights, IReadOnlyList<TrialView> Bad, int ScoredCount);

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

            if (trial.Status is TrialStatus.Completed or TrialStatus.Pruned && study.Reached(trial) > 0)
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
            return new Result([], [], liars, 0);
        }

        var goodCount = (int)Math.Clamp(Math.Ceiling(options.Gamma * scored.Count - 1e-9), 1, options.MaxGood);
        var needed = (int)Math.Ceiling(goodCount / options.LevelSelectivity - 1e-9);
        var reached = scored.Select(study.Reached).OrderByDescending(r => r).ToArray();
        var level = reached[Math.Min(needed, reached.Length) - 1];
        var candidates = scored
            .Select(t => (Trial: t, Scores: study.ScoresAt(t, level)))
            .Where(c => c.Scores is not null)
            .Select(c => (c.Trial, Scores: (IReadOnlyList<double>)c.Scores!))
            .ToList();
        var picked = PickGood(candidates.Select(c => c.Scores).ToArray(), goodCount);
        var good = picked.Select(i => candidates[i]).OrderBy(c => c.Trial.Number).ToList();
        var goodNumbers = good.Select(c => c.Trial.Number).ToHashSet();
        var weights = Weights(good.Select(c => c.Scores).ToArray());
        var bad = scored.Where(t => !goodNumbers.Contains(t.Number)).Concat(liars).OrderBy(t => t.Number).ToList();
        return new Result(good.Select(c => c.Trial).ToList(), weights, bad, scored.Count);
    }

    /// <summary>Indices of the good points: whole fronts first, the overflowing front cut by greedy hypervolume.</summary>
    internal static List<int> PickGood(IReadOnlyList<IReadOnlyList<double>> points, int count)
    {
        var picked = new List<int>();
        if (points.Count == 0)
        {
            return picked;
        }

        var ranks = Pareto.Ranks(points);
        var reference = Hypervolume.NadirReference(points);
        for (var rank = 0; picked.Count < count && rank <= ranks.Max(); rank++)
        {
            var front = Enumerable.Range(0, points.Count).Where(i => ranks[i] == rank).ToList();
            if (picked.Count + front.Count <= count)
            {
                picked.AddRange(front);
                continue;
            }

            var chosen = new List<IReadOnlyList<double>>();
            while (picked.Count < count)
            {
                var bestIndex = -1;
                var bestVolume = double.NegativeInfinity;
                foreach (var i in front)
                {
                    var volume = Hypervolume.Compute([.. chosen, points[i]], reference);
                    if (volume > bestVolume)
                    {
                        (bestIndex, bestVolume) = (i, volume);
                    }
                }

                picked.Add(bestIndex);
                chosen.Add(points[bestIndex]);
                front.Remove(bestIndex);
            }
        }

        return picked;
    }

    private static double[] Weights(IReadOnlyList<IReadOnlyList<double>> good)
    {
        if (good.Count == 0)
        {
            return [];
        }

        var contributions = Hypervolume.Contributions(good, Hypervolume.NadirReference(good));
        var largest = contributions.Max();
        return contributions.Select(c => largest > 0 ? Math.Clamp(c / largest, 1e-12, 1.0) : 1.0).ToArray();
    }
}
