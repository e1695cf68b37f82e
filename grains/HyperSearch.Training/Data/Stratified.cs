namespace HyperSearch.Training;

/// <summary>Seeded stratified sampling: each class contributes in proportion to its size.</summary>
internal static class Stratified
{
    /// <summary>
    /// Splits <paramref name="indices"/> into a part of exactly round(fraction × n) items and the rest,
    /// drawing each class's share in proportion (largest remainder), shuffled with <paramref name="seed"/>.
    /// Both parts are returned in ascending index order so results do not depend on hash ordering.
    /// </summary>
    public static (int[] Taken, int[] Remaining) Take(IReadOnlyList<int> indices, int[] labels, int classes, int count, int seed)
    {
        if (count < 0 || count > indices.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"must be within 0..{indices.Count}");
        var byClass = new List<int>[classes];
        for (int c = 0; c < classes; c++) byClass[c] = [];
        foreach (int i in indices) byClass[labels[i]].Add(i);

        // Largest-remainder apportionment so the total is exactly `count`.
        var quota = new int[classes];
        var remainders = new (double Remainder, int Class)[classes];
        int assigned = 0;
        for (int c = 0; c < classes; c++)
        {
            double exact = (double)count * byClass[c].Count / Math.Max(1, indices.Count);
            quota[c] = (int)Math.Floor(exact);
            assigned += quota[c];
            remainders[c] = (exact - quota[c], c);
        }
        foreach (var (_, c) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Class))
        {
            if (assigned == count) break;
            if (quota[c] < byClass[c].Count)
            {
                quota[c]++;
                assigned++;
            }
        }

        var random = new Random(seed);
        var taken = new List<int>(count);
        var rest = new List<int>(indices.Count - count);
        for (int c = 0; c < classes; c++)
        {
            var members = byClass[c].ToArray();
            random.Shuffle(members);
            taken.AddRange(members.AsSpan(0, quota[c]));
            rest.AddRange(members.AsSpan(quota[c]));
        }
        taken.Sort();
        rest.Sort();
        return ([.. taken], [.. rest]);
    }
}
