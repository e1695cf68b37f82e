using HyperSearch.Tuning.Schedulers;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class HyperbandSchedulerTests
{
    private static readonly HyperbandScheduler Hyperband = new(maxResource: 27, minResource: 1, reductionFactor: 3);

    [Fact]
    public void Brackets_grow_the_minimum_resource_by_eta()
    {
        Assert.Equal([1, 3, 9, 27], Hyperband.BracketMinResources);
        Assert.Equal([1, 3, 9], Hyperband.RungsOf(0));
        Assert.Equal([9], Hyperband.RungsOf(2));
        Assert.Empty(Hyperband.RungsOf(3)); // the last bracket runs everything to the end
    }

    [Fact]
    public void Bracket_is_a_function_of_the_trial_number_with_hyperband_proportions()
    {
        // Allocation ceil(n * eta^s / (s + 1)) with n = 4 brackets: 27, 12, 6, 4 in a cycle of 49.
        var cycle = Enumerable.Range(0, 49).Select(Hyperband.BracketOf).ToArray();

        Assert.Equal([27, 12, 6, 4], Enumerable.Range(0, 4).Select(b => cycle.Count(x => x == b)));
        Assert.Equal(cycle, Enumerable.Range(49, 49).Select(Hyperband.BracketOf));
        Assert.Equal(cycle, Enumerable.Range(0, 49).Select(new HyperbandScheduler(27).BracketOf));
        Assert.Equal(4, cycle.Take(8).Distinct().Count()); // every bracket is visited early
    }

    [Fact]
    public void Trials_are_judged_against_their_own_bracket_only()
    {
        var bracketOf = Enumerable.Range(0, 49).ToLookup(Hyperband.BracketOf);
        var zero = bracketOf[0].Take(4).ToArray();
        var one = bracketOf[1].First();

        // Strong trials in bracket 0 at epoch 1; a weak bracket-1 trial is not judged at epoch 1 at all.
        var trials = zero.Select(n => Trial(n, TrialStatus.Running, 0.9)).ToList();
        var weak = Trial(one, TrialStatus.Running, 0.1);
        Assert.Equal(SchedulerDecision.Continue, Hyperband.OnReport(View([.. trials, weak]), weak));

        // At epoch 3 it is the first of its bracket, so it continues even though bracket 0 did better there.
        var weak3 = weak with { Curve = [0.1, 0.1, 0.1] };
        var strong3 = zero.Select(n => Trial(n, TrialStatus.Running, 0.9, 0.9, 0.9)).ToList();
        Assert.Equal(SchedulerDecision.Continue, Hyperband.OnReport(View([.. strong3, weak3]), weak3));

        // A weak bracket-0 trial at epoch 1 among the strong ones stops.
        var weakZero = Trial(bracketOf[0].ElementAt(5), TrialStatus.Running, 0.1);
        Assert.Equal(SchedulerDecision.Stop, Hyperband.OnReport(View([.. trials, weakZero]), weakZero));
    }

    [Fact]
    public void Bracket_count_can_be_limited()
    {
        var two = new HyperbandScheduler(27, 1, 3, brackets: 2);

        Assert.Equal([1, 3], two.BracketMinResources);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperbandScheduler(27, 1, 3, brackets: 5));
    }
}
