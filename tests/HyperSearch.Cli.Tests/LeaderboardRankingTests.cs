using HyperSearch.Cli.Output;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Cli.Tests;

/// <summary>The leaderboard lists trials by state group, then in the one trial ranking (<see cref="TrialRanking"/>).</summary>
public sealed class LeaderboardRankingTests
{
    [Fact]
    public void Within_a_group_the_trial_ranking_applies_and_a_diverged_trial_comes_last()
    {
        var trials = new[]
        {
            Trial(0, TrialState.Pruned, double.NaN, 10),
            Trial(1, TrialState.Failed, null, 10),
            Trial(2, TrialState.Pruned, 0.5, 10),
            Trial(3, TrialState.Completed, 0.7, 900),
            Trial(4, TrialState.Completed, 0.7, 90),
            Trial(5, TrialState.Pruned, 0.6, 10),
            Trial(6, TrialState.Completed, 0.6, 9),
        };

        // Completed: 0.7 ties go to the smaller model; pruned: NaN (diverged) after every number.
        Assert.Equal([4, 3, 6, 5, 2, 0, 1], Leaderboard.Rank(trials, EpochMetrics.ValAccuracy, maximize: true).Select(t => t.Number));
    }

    private static TrialRecord Trial(int number, TrialState state, double? objective, long parameters) =>
        new(number, new Dictionary<string, object>(), state, 1, [], null, parameters, null, null, null, objective);
}
