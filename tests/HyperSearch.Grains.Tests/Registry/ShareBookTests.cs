using HyperSearch.Grains.Registry;

namespace HyperSearch.Grains.Tests.Registry;

/// <summary>How the book divides whole slots over time: what each search is owed decides who holds the extra slots and
/// which search an idle slot tries first.</summary>
public sealed class ShareBookTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch.AddDays(1);

    /// <summary>A book with one silo's slots and each search's first report, all at <see cref="Start"/>.</summary>
    private static ShareBook Book(int slots, params (string Id, int Demand, int Running)[] searches)
    {
        var book = new ShareBook();
        book.SetSlots("silo", slots, Start);
        foreach (var (id, demand, running) in searches)
        {
            book.Report(id, demand, running, Start);
        }

        return book;
    }

    [Fact]
    public void Every_constrained_search_holds_its_fractional_level_over_time()
    {
        // 50 searches that each want 8 share 181 slots: level 3.62, so at any moment 31 hold 4 and 19 hold 3. Each reports
        // once a second (staggered) and holds whatever limit it was last given, in its answer or pushed to it.
        var book = new ShareBook();
        book.SetSlots("silo", 181, Start);
        var searches = Enumerable.Range(0, 50).Select(i => $"s{i:00}").ToList();
        var held = searches.ToDictionary(s => s, _ => 0);
        var slotSeconds = searches.ToDictionary(s => s, _ => 0.0);
        var step = TimeSpan.FromMilliseconds(20);
        var steps = 30 * 50;
        for (var n = 0; n < steps; n++)
        {
            var now = Start + n * step;
            var search = searches[n % searches.Count];
            held[search] = book.Report(search, 8, held[search], now) ?? 8;
            foreach (var (other, limit) in book.TakeChanged())
            {
                held[other] = limit ?? 8;
            }

            Assert.True(held.Values.Sum() <= 181, $"at step {n} the searches hold {held.Values.Sum()} of 181 slots");
            foreach (var s in searches.Where(_ => n >= searches.Count))
            {
                slotSeconds[s] += held[s] * step.TotalSeconds;
            }
        }

        // After the first second every search is settled; over the next 29 s each must average 3.62 give or take the
        // margin that keeps an extra slot from changing hands at every recompute.
        var seconds = (steps - searches.Count) * step.TotalSeconds;
        Assert.All(searches, s => Assert.InRange(slotSeconds[s] / seconds, 3.62 - 0.1, 3.62 + 0.1));
        Assert.Contains(searches, s => held[s] == 4);
        Assert.Contains(searches, s => held[s] == 3);
    }

    [Fact]
    public void A_search_that_held_nothing_at_first_holds_the_extra_slot_until_it_is_paid_back()
    {
        // 7 slots, two searches that want 8: level 3.5. "early" took all 7 before "late" got any.
        var book = new ShareBook();
        book.SetSlots("silo", 7, Start);
        Assert.Equal(7, book.Report("early", 8, 7, Start));
        book.Report("late", 8, 0, Start);
        book.TakeChanged();

        // A second later "late" is owed 3.5 slot-seconds and "early" owes as much: "late" gets the 4th slot...
        var late = book.Report("late", 8, 0, Start.AddSeconds(1));
        var early = book.Report("early", 8, 7, Start.AddSeconds(1.05));
        Assert.Equal((4, 3), (late, early));

        // ...and keeps it while each holds its limit, gaining half a slot-second a second on "early": 7 s to catch up.
        for (var t = 1.2; t < 7.5; t += 0.2)
        {
            late = book.Report("late", 8, late!.Value, Start.AddSeconds(t));
            early = book.Report("early", 8, early!.Value, Start.AddSeconds(t + 0.1));
            Assert.Equal((4, 3), (late, early));
        }

        // Once paid back (past the margin that keeps an extra slot where it is), the 4th slot goes to "early".
        for (var t = 7.6; t < 12; t += 0.2)
        {
            late = book.Report("late", 8, late!.Value, Start.AddSeconds(t));
            early = book.Report("early", 8, early!.Value, Start.AddSeconds(t + 0.1));
        }

        Assert.Equal((3, 4), (late, early));
    }

    [Fact]
    public void Idle_slots_sent_to_a_search_count_as_held_until_it_reports()
    {
        // Two searches each owed 4 slots and holding none: one idle slot after another must alternate between them
        // instead of queueing at one search that can take only 4.
        var book = Book(8, ("a", 8, 0), ("b", 8, 0));

        var firsts = Enumerable.Range(0, 8).Select(_ => book.Order(["a", "b"], Start)[0]).ToList();
        Assert.Equal(4, firsts.Count(f => f == "a"));
        Assert.All(firsts.Chunk(2), pair => Assert.NotEqual(pair[0], pair[1]));

        // "a" reports that only 2 of the 4 slots sent to it arrived: its count starts afresh from that, so it is owed
        // more than "b", which still counts the 4 sent to it.
        book.Report("a", 8, 2, Start.AddMilliseconds(50));
        Assert.Equal("a", book.Order(["a", "b"], Start.AddMilliseconds(50))[0]);
    }

    [Fact]
    public void A_search_without_its_one_slot_goes_before_a_constrained_search_near_its_level()
    {
        // 10 slots; "one" wants 1 and holds none, "big1" and "big2" want 8 and hold 4 of their 4.5.
        var book = Book(10, ("one", 1, 0), ("big1", 8, 4), ("big2", 8, 4));

        Assert.Equal("one", book.Order(["big1", "big2", "one"], Start.AddMilliseconds(10))[0]);
    }
}
