namespace HyperSearch.Grains.Registry;

/// <summary>The registry's view of slot supply and search demand, and the fair-share limits computed from them
/// (<see cref="FairShares"/>). Held in memory only: silos re-announce their slots and coordinators their demand
/// every few seconds, so a reactivated registry knows both again within <see cref="SlotsAnnounceInterval"/>.</summary>
/// <remarks>Shares are whole slots while the fair level is fractional (100 searches on 256 slots: 3.62 each), so some
/// searches hold one slot more than others at any moment. The book keeps, for each search, the slot-time it
/// is owed (its level minus what it held, integrated over the reports), and gives the extra slots to the searches owed
/// most. That also pays back a search whose first trial came late. Handing them round in a fixed rotation instead left
/// a search that missed the first wave of free slots (first trial 1.1 s after the start, in bench scale (b)) under 80 %
/// of its share over the 6 s the searches compete.</remarks>
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

    /// <summary>A search holding an extra slot keeps it until another is owed this many slot-seconds more: without the
    /// margin the extra slots changed hands at every recompute, and a slot moves only when a trial ends.</summary>
    private const double KeepExtraMargin = 1.0;

    /// <summary>What a search can be owed either way, in slot-seconds: enough to pay back a slow start, not so much that
    /// one long-past episode decides the extra slots for minutes.</summary>
    private const double MaxOwed = 60;

    private readonly Dictionary<string, (int Slots, DateTimeOffset Seen)> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private FairDivision _division = new(new Dictionary<string, int?>(StringComparer.Ordinal), null);
    private readonly Dictionary<string, int?> _told = new(StringComparer.Ordinal);
    private DateTimeOffset _computed = DateTimeOffset.MinValue;

    public void SetSlots(string silo, int slots, DateTimeOffset now) => _silos[silo] = (slots, now);

    public void Forget(string searchId)
    {
        _accounts.Remove(searchId);
        _division.Limits.Remove(searchId);
        _told.Remove(searchId);
    }

    /// <summary>Records a search's demand and running trials and returns its limit (null: no limit).</summary>
    public int? Report(string searchId, int demand, int running, DateTimeOffset now)
    {
        var known = _accounts.TryGetValue(searchId, out var account);
        if (known)
        {
            Settle(searchId, account!, now);
        }
        else
        {
            account = _accounts[searchId] = new Account { Settled = now };
        }

        (account!.Demand, account.Running, account.Seen, account.Sent) = (demand, running, now, 0);
        if (!known || now - _computed >= RecomputeAfter)
        {
            Recompute(now);
        }

        var limit = Limit(searchId);
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
        var changed = _told.Where(t => _accounts.ContainsKey(t.Key) && Limit(t.Key) != t.Value)
            .Select(t => (t.Key, Limit(t.Key)))
            .ToList();
        foreach (var (search, limit) in changed)
        {
            _told[search] = limit;
        }

        return changed;
    }

    /// <summary>Searches in the order an idle slot should try them: the one owed most seconds of its share first,
    /// counting the gap between what it should hold and what it holds now as one second owed. What it holds now is its
    /// last report plus the idle slots sent to it since: the slot asking takes the first search listed, so the next slot
    /// asking is sent elsewhere instead of into a queue of refusals. A search not reported yet holds nothing and goes
    /// first; ties in random order.</summary>
    public List<string> Order(IEnumerable<string> searches, DateTimeOffset now)
    {
        var order = searches
            .Select(id => (Id: id, Owed: _accounts.TryGetValue(id, out var a) ? SecondsOwed(id, a, now) : double.PositiveInfinity, Tie: Random.Shared.Next()))
            .OrderByDescending(s => s.Owed)
            .ThenBy(s => s.Tie)
            .Select(s => s.Id)
            .ToList();
        if (order.Count > 0 && _accounts.TryGetValue(order[0], out var first))
        {
            first.Sent++;
        }

        return order;
    }

    private double SecondsOwed(string searchId, Account account, DateTimeOffset now)
    {
        var target = Target(searchId, account);
        return (OwedAt(searchId, account, now) + target - account.Running - account.Sent) / Math.Max(1, target);
    }

    /// <summary>Slots of the silos heard from recently.</summary>
    public int Slots(DateTimeOffset now) => _silos.Values.Where(s => now - s.Seen <= SlotsExpiry).Sum(s => s.Slots);

    /// <summary>Slot-seconds a search is owed now: what it was owed when last settled, plus its level (or its demand,
    /// when that is less) minus the slots it held since; its running count changes only with a report. While there are
    /// slots for everyone nobody is owed anything.</summary>
    private double OwedAt(string searchId, Account account, DateTimeOffset now) =>
        _division.Level is not null
            ? Math.Clamp(account.Owed + (Target(searchId, account) - account.Running) * (now - account.Settled).TotalSeconds, -MaxOwed, MaxOwed)
            : 0;

    private void Settle(string searchId, Account account, DateTimeOffset now)
    {
        account.Owed = OwedAt(searchId, account, now);
        account.Settled = now;
    }

    /// <summary>The slots a search should hold now: its level when constrained, otherwise all it can use.</summary>
    private double Target(string searchId, Account account) =>
        _division.Level is { } level && Limit(searchId) is not null ? Math.Min(account.Demand, level) : account.Demand;

    private int? Limit(string searchId) => _division.Limits.GetValueOrDefault(searchId);

    private void Recompute(DateTimeOffset now)
    {
        foreach (var stale in _accounts.Where(a => now - a.Value.Seen > DemandExpiry).Select(a => a.Key).ToList())
        {
            _accounts.Remove(stale);
            _told.Remove(stale);
        }

        // Settle what each search is owed under the old division before the new one changes who is constrained.
        foreach (var (id, account) in _accounts)
        {
            Settle(id, account, now);
        }

        var extraHolders = _division.Level is { } level
            ? _division.Limits.Where(l => l.Value > (int)level).Select(l => l.Key).ToHashSet(StringComparer.Ordinal)
            : [];
        _division = FairShares.Limits(
            _accounts.ToDictionary(a => a.Key, a => a.Value.Demand, StringComparer.Ordinal),
            Slots(now),
            id => _accounts[id].Owed + (extraHolders.Contains(id) ? KeepExtraMargin : 0));
        _computed = now;
    }

    private sealed class Account
    {
        public int Demand { get; set; }

        public int Running { get; set; }

        /// <summary>When the search last reported.</summary>
        public DateTimeOffset Seen { get; set; }

        /// <summary>When <see cref="Owed"/> was last brought up to date.</summary>
        public DateTimeOffset Settled { get; set; }

        public double Owed { get; set; }

        /// <summary>Idle slots sent to this search since its last report (see <see cref="Order"/>).</summary>
        public int Sent { get; set; }
    }
}
