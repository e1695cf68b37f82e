using HyperSearch.Grains.Registry;

namespace HyperSearch.Grains.Tests.Registry;

public sealed class FairSharesTests
{
    private static readonly Func<string, double> NoPriority = _ => 0;

    private static Dictionary<string, int> Demands(params int[] demands) =>
        demands.Select((d, i) => (d, i)).ToDictionary(p => $"s{p.i:000}", p => p.d, StringComparer.Ordinal);

    [Fact]
    public void Nobody_is_limited_when_the_slots_cover_every_demand()
    {
        var limits = FairShares.Limits(Demands(1, 2, 4, 8), 15, NoPriority).Limits;
        Assert.All(limits.Values, limit => Assert.Null(limit));
    }

    [Fact]
    public void Small_demands_are_met_and_the_rest_share_the_remainder_evenly()
    {
        // 256 slots for 25 searches each of caps 1, 2, 4 and 8 (demand 375): caps 1 and 2 are met, the others get the
        // level 3.62 as 3 or 4 slots, and the limits add up to the slots exactly.
        var caps = Enumerable.Range(0, 100).Select(i => 1 << (i % 4)).ToArray();
        var division = FairShares.Limits(Demands(caps), 256, NoPriority);
        var limits = division.Limits;
        Assert.Equal(3.62, division.Level!.Value, 6);

        Assert.Equal(256, limits.Select((l, i) => l.Value ?? caps[i]).Sum());
        for (var i = 0; i < caps.Length; i++)
        {
            var limit = limits[$"s{i:000}"];
            if (caps[i] <= 2)
            {
                Assert.Null(limit);
            }
            else
            {
                Assert.InRange(limit!.Value, 3, 4);
            }
        }
    }

    [Fact]
    public void The_extra_slots_go_to_the_searches_with_the_highest_priority()
    {
        // 10 slots, 3 equal searches: 3, 3 and 4, and the 4 goes to the search ranked first, whichever it is.
        var demands = Demands(10, 10, 10);
        foreach (var first in demands.Keys)
        {
            var limits = FairShares.Limits(demands, 10, id => id == first ? 1 : 0).Limits;
            Assert.Equal(4, limits[first]);
            Assert.Equal(10, limits.Values.Sum());
        }
    }

    [Fact]
    public void More_searches_than_slots_gives_each_at_most_one_and_never_more_than_the_slots()
    {
        var limits = FairShares.Limits(Demands(5, 5, 5, 5, 5), 3, NoPriority).Limits;
        Assert.Equal(3, limits.Values.Sum());
        Assert.All(limits.Values, l => Assert.InRange(l!.Value, 0, 1));
    }

    [Fact]
    public void Without_known_slots_nothing_is_limited()
    {
        Assert.All(FairShares.Limits(Demands(100, 100), 0, NoPriority).Limits.Values, l => Assert.Null(l));
    }

    [Fact]
    public void A_search_whose_limit_a_newcomer_cut_is_told_once_and_one_answered_in_its_report_is_not()
    {
        var book = new ShareBook();
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        book.SetSlots("silo-a", 8, now);
        Assert.Null(book.Report("first", 8, 8, now));
        Assert.Empty(book.TakeChanged());

        // The newcomer's report gives it its limit in the answer; the first search must be told its own.
        Assert.Equal(4, book.Report("second", 8, 0, now.AddMilliseconds(10)));
        Assert.Equal([("first", (int?)4)], book.TakeChanged());
        Assert.Empty(book.TakeChanged());

        // The newcomer finishes: the first search may have every slot again, and hears so.
        book.Forget("second");
        Assert.Null(book.Report("third-party-tick", 0, 0, now.AddMilliseconds(200)));
        Assert.Equal([("first", (int?)null)], book.TakeChanged());
    }

    [Fact]
    public void The_book_counts_announced_slots_until_they_expire_and_limits_by_demand()
    {
        var book = new ShareBook();
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        book.SetSlots("silo-a", 4, now);
        book.SetSlots("silo-b", 4, now);
        Assert.Null(book.Report("big", 8, 0, now));
        Assert.Equal(4, book.Report("other", 8, 0, now.AddMilliseconds(200)));
        Assert.Equal(4, book.Report("big", 8, 6, now.AddMilliseconds(400)));

        // Idle slots are offered the least-served search first: "other" holds none of its 4, "big" 6, a new one none.
        Assert.Equal(["other", "big"], book.Order(["big", "other"], now.AddMilliseconds(400)));
        Assert.Equal("big", book.Order(["big", "new", "other"], now.AddMilliseconds(400))[^1]);

        // silo-b stops announcing: its slots no longer count.
        book.SetSlots("silo-a", 4, now + ShareBook.SlotsExpiry);
        Assert.Equal(4, book.Slots(now + ShareBook.SlotsExpiry + TimeSpan.FromSeconds(1)));

        // A search that finished is forgotten: the other has every slot again.
        book.Forget("other");
        Assert.Null(book.Report("big", 8, 4, now.AddSeconds(1)));
    }
}
