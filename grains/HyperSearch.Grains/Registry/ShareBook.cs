namespace HyperSearch.Grains.Registry;

/// <summary>The registry's view of slot supply and search demand, and the fair-share limits computed from them
/// (<see cref="FairShares"/>). Held in memory only: silos re-announce their slots and coordinators their demand
/// every few seconds, so a reactivated registry knows both again within <see cref="SlotsAnnounceInterval"/>.</summary>
public sealed class ShareBook
{
    /// <summary>How often a training silo announces its slots.</summary>
    public static readonly TimeSpan SlotsAnnounceInterval = TimeSpan.FromSeconds(10);

    /// <summary>A silo not heard from for this long no longer counts (it died or left).</summary>
    public static readonly TimeSpan SlotsExpiry = 3.5 * SlotsAnnounceInterval;

    /// <summary>A search that has not reported its demand for this long no longer competes (it finished or moved).</summary>
    public static readonly TimeSpan DemandExpiry = TimeSpan.FromSeconds(5);

    /// <summary>Limits are recomputed at most this often (each coordinator reports once per tick).</summary>
    private static readonly TimeSpan RecomputeAfter = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, (int Slots, DateTimeOffset Seen)> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Demand, int Running, DateTimeOffset Seen)> _demands = new(StringComparer.Ordinal);
    private Dictionary<string, int?> _limits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int?> _told = new(StringComparer.Ordinal);
    private DateTimeOffset _computed = DateTimeOffset.MinValue;

    public void SetSlots(string silo, int slots, DateTimeOffset now) => _silos[silo] = (slots, now);

    public void Forget(string searchId)
    {
        _demands.Remove(searchId);
        _limits.Remove(searchId);
        _told.Remove(searchId);
    }

    /// <summary>Records a search's demand and running trials and returns its limit (null: no limit).</summary>
    public int? Report(string searchId, int demand, int running, DateTimeOffset now)
    {
        var known = _demands.ContainsKey(searchId);
        _demands[searchId] = (demand, running, now);
        if (!known || now - _computed >= RecomputeAfter)
        {
            Recompute(now);
        }

        var limit = _limits.GetValueOrDefault(searchId);
        _told[searchId] = limit;
        return limit;
    }

    /// <summary>The searches whose limit changed since they were last given one (in a report's answer or here), with
    /// the new limit; from now on each counts as told. Without this a search learned that a newcomer had cut its share
    /// only at its own next report, up to a second later, and kept re-leasing its slots meanwhile: in bench scale (b)
    /// with Redis storage, whose slower starts spread 100 registrations over 2 s, searches started last got their first
    /// slot 1.3-1.9 s after the last start, and 13 of 100 had under 80 % of their fair share.</summary>
    public List<(string SearchId, int? Limit)> TakeChanged()
    {
        var changed = _told.Where(t => _demands.ContainsKey(t.Key) && _limits.GetValueOrDefault(t.Key) != t.Value)
            .Select(t => (t.Key, _limits.GetValueOrDefault(t.Key)))
            .ToList();
        foreach (var (search, limit) in changed)
        {
            _told[search] = limit;
        }

        return changed;
    }

    /// <summary>Searches in the order an idle slot should try them: the least served first, by the slots each held at its
    /// last report against its share (a search not reported yet holds none); ties in random order.</summary>
    public List<string> Order(IEnumerable<string> searches) =>
        [.. searches
            .Select(id => (Id: id, Served: Served(id), Tie: Random.Shared.Next()))
            .OrderBy(s => s.Served)
            .ThenBy(s => s.Tie)
            .Select(s => s.Id)];

    private double Served(string searchId) =>
        _demands.TryGetValue(searchId, out var d)
            ? d.Running / (double)Math.Max(1, _limits.GetValueOrDefault(searchId) ?? d.Demand)
            : 0;

    /// <summary>Slots of the silos heard from recently.</summary>
    public int Slots(DateTimeOffset now) => _silos.Values.Where(s => now - s.Seen <= SlotsExpiry).Sum(s => s.Slots);

    private void Recompute(DateTimeOffset now)
    {
        foreach (var stale in _demands.Where(d => now - d.Value.Seen > DemandExpiry).Select(d => d.Key).ToList())
        {
            _demands.Remove(stale);
            _told.Remove(stale);
        }

        // The rotation turns each second, so the level's fractional slots move between the constrained searches.
        var rotation = (int)(now.ToUnixTimeMilliseconds() / 1000 % int.MaxValue);
        _limits = FairShares.Limits(_demands.ToDictionary(d => d.Key, d => d.Value.Demand, StringComparer.Ordinal), Slots(now), rotation);
        _computed = now;
    }
}
