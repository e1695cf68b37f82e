namespace HyperSearch.Grains.Registry;

/// <summary>Max-min fair division of the cluster's training slots among searches that want more than there is:
/// every search gets what it can use up to a common level, and the level is as high as the slots allow.</summary>
/// <remarks>Without it a slot stayed with the search it last served (a trial's final report leases the next trial of
/// the same search) and idle slots took the first search listed, so when 100 searches wanted more slots than the
/// cluster had, the searches started last got none until the first ones ran out of trials.</remarks>
public static class FairShares
{
    /// <summary>Each search's limit: null when it may have all it can use, otherwise its share of
    /// <paramref name="slots"/>. Demand is what a search could use now (min(max_concurrent, running + queued)).
    /// Shares are whole slots, so the level's fraction goes, one slot each, to the constrained searches with the highest
    /// <paramref name="priority"/> (ties by id); <see cref="ShareBook"/> ranks them by the slot-time they are owed.</summary>
    public static FairDivision Limits(IReadOnlyDictionary<string, int> demands, int slots, Func<string, double> priority)
    {
        var limits = demands.Keys.ToDictionary(id => id, _ => (int?)null, StringComparer.Ordinal);
        if (slots <= 0 || demands.Values.Sum(d => (long)Math.Max(0, d)) <= slots)
        {
            return new FairDivision(limits, null);
        }

        // Searches that want less than an even split of what is left are satisfied; the rest share the remainder.
        var remaining = slots;
        var constrained = demands.OrderBy(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal).ToList();
        while (constrained.Count > 0 && (long)Math.Max(0, constrained[0].Value) * constrained.Count <= remaining)
        {
            remaining -= Math.Max(0, constrained[0].Value);
            constrained.RemoveAt(0);
        }

        var level = remaining / constrained.Count;
        var extra = remaining - level * constrained.Count;
        var ranked = constrained.Select(d => d.Key).OrderByDescending(priority).ThenBy(id => id, StringComparer.Ordinal).ToList();
        for (var i = 0; i < ranked.Count; i++)
        {
            limits[ranked[i]] = level + (i < extra ? 1 : 0);
        }

        return new FairDivision(limits, remaining / (double)constrained.Count);
    }
}

/// <summary>Each search's slot limit (null: unlimited), and the fractional level the constrained searches are owed on
/// average (null when nobody is constrained).</summary>
public sealed record FairDivision(Dictionary<string, int?> Limits, double? Level);
