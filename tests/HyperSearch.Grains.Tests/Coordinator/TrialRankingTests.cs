using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Search;

namespace HyperSearch.Grains.Tests.Coordinator;

/// <summary>The one trial ranking: objective, then fewer parameters, then the earlier trial; unrankable last.</summary>
public sealed class TrialRankingTests
{
    [Theory]
    [InlineData(true, 0.9, 0.8)]
    [InlineData(false, 0.8, 0.9)]
    public void The_better_objective_ranks_first_in_the_searchs_direction(bool maximize, double better, double worse)
    {
        var (a, b) = (new RankKey(better, 1_000, 5), new RankKey(worse, 10, 0));
        Assert.True(TrialRanking.Compare(a, b, maximize) < 0);
        Assert.True(TrialRanking.Compare(b, a, maximize) > 0);
        Assert.True(TrialRanking.IsBetter(a, b, maximize));
        Assert.False(TrialRanking.IsBetter(b, a, maximize));
    }

    [Fact]
    public void An_objective_tie_goes_to_fewer_parameters_and_an_unknown_count_counts_as_largest()
    {
        var small = new RankKey(0.5, 10, 7);
        var large = new RankKey(0.5, 1_000, 1);
        var unknown = new RankKey(0.5, null, 0);
        Assert.Equal([small, large, unknown], new[] { unknown, large, small }.Order(TrialRanking.BestFirst(maximize: true)));
    }

    [Fact]
    public void A_full_tie_goes_to_the_earlier_trial()
    {
        var keys = new[] { new RankKey(0.5, 10, 3), new RankKey(0.5, 10, 1), new RankKey(0.5, 10, 2) };
        Assert.Equal([1, 2, 3], keys.Order(TrialRanking.BestFirst(maximize: false)).Select(k => k.Number));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(null)]
    public void A_missing_or_non_finite_objective_ranks_after_every_finite_one_in_both_directions(double? bad)
    {
        var unrankable = new RankKey(bad, 1, 0);
        var finite = new RankKey(-1e300, 1_000, 9);
        foreach (var maximize in new[] { true, false })
        {
            Assert.True(TrialRanking.Compare(finite, unrankable, maximize) < 0);
            Assert.False(TrialRanking.IsBetter(unrankable, null, maximize));
            Assert.False(TrialRanking.IsBetter(unrankable, finite, maximize));
            Assert.True(TrialRanking.IsBetter(finite, unrankable, maximize));
        }
    }

    [Fact]
    public void Checkpoint_retention_keeps_the_trial_the_coordinator_ranks_first_on_an_objective_tie()
    {
        // Equal objectives: the coordinator's winner is the smaller model, so retention must keep that one, not the earlier trial.
        var state = new SearchGrainState
        {
            Spec = TestSpecs.Make(maxTrials: 3),
            Trials =
            [
                Completed(0, 0.9, parameters: 5_000),
                Completed(1, 0.9, parameters: 50),
                Completed(2, 0.8, parameters: 5),
            ],
        };

        Assert.Equal([1], CheckpointRetention.TrialsToKeep(state, keepBest: 1, t => t.Epochs[^1].Get(EpochMetrics.ValAccuracy)));
        Assert.Equal([0, 1], CheckpointRetention.TrialsToKeep(state, keepBest: 2, t => t.Epochs[^1].Get(EpochMetrics.ValAccuracy)).Order());
    }

    private static TrialEntry Completed(int number, double accuracy, long parameters) => new()
    {
        Number = number,
        State = TrialState.Completed,
        ParameterCount = parameters,
        Epochs = [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy })],
    };
}
