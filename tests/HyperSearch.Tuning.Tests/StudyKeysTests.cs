using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;
using static HyperSearch.Tuning.Tests.Studies;

namespace HyperSearch.Tuning.Tests;

public sealed class StudyKeysTests
{
    private static readonly SearchSpace Small = SpaceOf(("filters", new Choice([32, 64, 128])));

    [Fact]
    public void A_callers_key_set_is_used_for_a_trial_not_yet_in_the_study()
    {
        var tried = Params(("filters", 32L));
        var known = new HashSet<string>(StringComparer.Ordinal) { tried.Key };
        var view = View([Trial(0, tried, TrialStatus.Completed, 0.5)], Small) with { TakenKeys = known };

        Assert.Same(known, StudyKeys.Taken(view, 1));
        // Re-asking for trial 0 (a restarted coordinator) must not count its own configuration as taken.
        Assert.DoesNotContain(tried.Key, StudyKeys.Taken(view, 0));
    }

    [Fact]
    public void Samplers_given_the_key_set_still_never_repeat_and_end_when_the_space_is_used_up()
    {
        var trials = new List<TrialView>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var n = 0; n < 3; n++)
        {
            var next = new RandomSampler().Suggest(View(trials, Small) with { TakenKeys = keys }, n)!;
            Assert.True(keys.Add(next.Key));
            trials.Add(Trial(n, next, TrialStatus.Completed, 0.5));
        }

        Assert.Null(new RandomSampler().Suggest(View(trials, Small) with { TakenKeys = keys }, 3));
    }
}
