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
    /// Shares are whole slots: the level's fraction goes, one slot each, to the next searches in turn; each turn of
    /// <paramref name="rotation"/> hands the extra slots on to the searches after the last ones favoured, so over any
    /// run of turns every constrained search has had them as often as any other, give or take one turn.</summary>
    public static Dictionary<string, int?> Limits(IReadOnlyDictionary<string, int> demands, int slots, int rotation)
    {
        var limits = demands.Keys.ToDictionary(id => id, _ => (int?)null, StringComparer.Ordinal);
        if (slots <= 0 || demands.Values.Sum(d => (long)Math.Max(0, d)) <= slots)
        {
            return limits;
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
        constrained.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        // Turning by one search per turn (not by `extra`) left most searches on the same side of the split for many
        // turns: in bench scale (b), 100 searches on 256 slots, the searches left at 3 of their 3.62 slots for the
        // whole contended window got 75 % of their fair share.
        var start = constrained.Count == 0 ? 0 : (int)((long)(uint)rotation * extra % constrained.Count);
        for (var i = 0; i < constrained.Count; i++)
        {
            var search = constrained[(start + i) % constrained.Count].Key;
            limits[search] = level + (i < extra ? 1 : 0);
        }

        return limits;
    }
}
