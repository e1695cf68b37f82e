namespace HyperSearch.Tuning.MultiObjective;

/// <summary>Non-dominated sorting and crowding distance (Deb et al. 2002) on score vectors, higher is better in every
/// component (minimized objectives negated, NaN as -∞, see <see cref="ObjectiveScores"/>).</summary>
public static class Pareto
{
    /// <summary>True when <paramref name="a"/> is at least as good as <paramref name="b"/> everywhere and better somewhere.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var better = false;
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] < b[i])
            {
                return false;
            }

            better |= a[i] > b[i];
        }

        return better;
    }

    /// <summary>The non-dominated rank of every point: 0 for the Pareto front, 1 for the front once it is removed, …</summary>
    public static int[] Ranks(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var n = points.Count;
        var ranks = new int[n];
        var dominatedBy = new int[n];
        var dominates = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            dominates[i] = [];
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                if (Dominates(points[i], points[j]))
                {
                    dominates[i].Add(j);
                    dominatedBy[j]++;
                }
                else if (Dominates(points[j], points[i]))
                {
                    dominates[j].Add(i);
                    dominatedBy[i]++;
                }
            }
        }

        var current = Enumerable.Range(0, n).Where(i => dominatedBy[i] == 0).ToList();
        for (var rank = 0; current.Count > 0; rank++)
        {
            var next = new List<int>();
            foreach (var i in current)
            {
                ranks[i] = rank;
                foreach (var j in dominates[i])
                {
                    if (--dominatedBy[j] == 0)
                    {
                        next.Add(j);
                    }
                }
            }

            current = next;
        }

        return ranks;
    }

    /// <summary>Indices of the points no other point dominates, in input order.</summary>
    public static int[] Front(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var ranks = Ranks(points);
        return Enumerable.Range(0, points.Count).Where(i => ranks[i] == 0).ToArray();
    }

    /// <summary>Crowding distance of each point within the set (the extremes of any objective get +∞).</summary>
    public static double[] Crowding(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var n = points.Count;
        var distance = new double[n];
        if (n == 0)
        {
            return distance;
        }

        for (var m = 0; m < points[0].Count; m++)
        {
            var order = Enumerable.Range(0, n).OrderBy(i => points[i][m]).ThenBy(i => i).ToArray();
            var low = points[order[0]][m];
            var high = points[order[^1]][m];
            distance[order[0]] = distance[order[^1]] = double.PositiveInfinity;
            var span = high - low;
            if (!(span > 0) || double.IsInfinity(span))
            {
                continue;
            }

            for (var r = 1; r < n - 1; r++)
            {
                distance[order[r]] += (points[order[r + 1]][m] - points[order[r - 1]][m]) / span;
            }
        }

        return distance;
    }

    /// <summary>Indices ordered best first: by non-dominated rank, then by crowding distance within the rank (larger
    /// first, so the front stays spread out), then by index. NSGA-II's survival order.</summary>
    public static int[] Order(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var ranks = Ranks(points);
        var crowding = new double[points.Count];
        foreach (var group in Enumerable.Range(0, points.Count).GroupBy(i => ranks[i]))
        {
            var members = group.ToArray();
            var distances = Crowding(members.Select(i => points[i]).ToArray());
            for (var k = 0; k < members.Length; k++)
            {
                crowding[members[k]] = distances[k];
            }
        }

        return Enumerable.Range(0, points.Count)
            .OrderBy(i => ranks[i]).ThenByDescending(i => crowding[i]).ThenBy(i => i).ToArray();
    }
}
