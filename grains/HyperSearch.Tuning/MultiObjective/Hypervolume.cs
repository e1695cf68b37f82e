namespace HyperSearch.Tuning.MultiObjective;

/// <summary>The hypervolume a set of score vectors (higher is better) dominates above a reference point.</summary>
/// <remarks>Exact: a sweep for two objectives, slicing along the last objective (HSO) for more, which is fine for the
/// few hundred points a search holds. Points that do not beat the reference in every objective add nothing.</remarks>
public static class Hypervolume
{
    public static double Compute(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference)
    {
        var inside = points
            .Where(p => p.Count == reference.Count && Enumerable.Range(0, p.Count).All(i => p[i] > reference[i] && !double.IsInfinity(p[i])))
            .Select(p => p.ToArray())
            .ToList();
        return inside.Count == 0 ? 0.0 : Slice(inside, reference.ToArray(), reference.Count);
    }

    /// <summary>How much hypervolume each point alone adds: HV(all) − HV(all but that point).</summary>
    public static double[] Contributions(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference)
    {
        var total = Compute(points, reference);
        var result = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var others = points.Where((_, j) => j != i).ToArray();
            result[i] = Math.Max(0.0, total - Compute(others, reference));
        }

        return result;
    }

    /// <summary>A reference point just worse than every point in every objective (10% of the range, at least 1e-9),
    /// as Optuna's multi-objective TPE picks it.</summary>
    public static double[] NadirReference(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var m = points[0].Count;
        var reference = new double[m];
        for (var k = 0; k < m; k++)
        {
            var finite = points.Select(p => p[k]).Where(double.IsFinite).ToArray();
            var low = finite.Length > 0 ? finite.Min() : 0.0;
            var high = finite.Length > 0 ? finite.Max() : 0.0;
            reference[k] = low - Math.Max(0.1 * (high - low), 1e-9);
        }

        return reference;
    }

    private static double Slice(List<double[]> points, double[] reference, int dimensions)
    {
        if (dimensions == 1)
        {
            return points.Max(p => p[0]) - reference[0];
        }

        if (dimensions == 2)
        {
            var volume = 0.0;
            var covered = reference[1];
            foreach (var p in points.OrderByDescending(p => p[0]).ThenByDescending(p => p[1]))
            {
                if (p[1] > covered)
                {
                    volume += (p[0] - reference[0]) * (p[1] - covered);
                    covered = p[1];
                }
            }

            return volume;
        }

        // Slabs between consecutive values of the last objective: each holds the (d-1)-volume of the points above it.
        var last = dimensions - 1;
        var sorted = points.OrderByDescending(p => p[last]).ToList();
        var total = 0.0;
        for (var i = 0; i < sorted.Count; i++)
        {
            var bottom = i + 1 < sorted.Count ? sorted[i + 1][last] : reference[last];
            var height = sorted[i][last] - bottom;
            if (height > 0)
            {
                total += height * Slice(sorted.GetRange(0, i + 1), reference, last);
            }
        }

        return total;
    }
}
