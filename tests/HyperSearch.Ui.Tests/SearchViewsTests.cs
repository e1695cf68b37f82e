using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;

namespace HyperSearch.Ui.Tests;

/// <summary>The numbers the pages show, computed once for the silo and `hypersearch ui`.</summary>
public sealed class SearchViewsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static TrialRecord Trial(int n, TrialState state, double? objective, int startSecond, int? endSecond, string? failure = null) => new(
        n, new Dictionary<string, object> { ["lr"] = 0.001 * (n + 1), ["act"] = n % 2 == 0 ? "relu" : "gelu" }, state, 1,
        objective is { } o ? [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = o })] : [],
        failure, null, "silo/slot0", Start.AddSeconds(startSecond), endSecond is { } e ? Start.AddSeconds(e) : null,
        state == TrialState.Completed ? objective : null);

    private static SearchData Search(string state, IReadOnlyList<TrialRecord> trials, TimeSpan? budget = null, bool maximize = true) =>
        new("s", "name", state, null, EpochMetrics.ValAccuracy, maximize, 6, budget, Start, null, null, null, trials, [], null);

    [Fact]
    public void Best_so_far_only_steps_when_a_later_trial_beats_it()
    {
        var data = Search("running", [
            Trial(0, TrialState.Completed, 0.70, 0, 10),
            Trial(1, TrialState.Completed, 0.60, 0, 12),
            Trial(2, TrialState.Completed, 0.80, 10, 30),
            Trial(3, TrialState.Failed, null, 12, 14),
            Trial(4, TrialState.Running, 0.95, 30, null),
        ]);
        var view = SearchViews.Detail(data, Start.AddSeconds(40), canOperate: false);
        Assert.Equal([(10.0, 0, 0.70), (30.0, 2, 0.80)], view.BestOverTime.Select(b => (b.Seconds, b.Trial, b.Objective)));
        Assert.Equal([2, 0, 1, 4, 3], view.Leaderboard.Select(r => r.Trial));
        Assert.Equal(0.95, view.Leaderboard.Single(r => r.Trial == 4).Objective);
        Assert.Equal(2, view.Summary.Best!.Trial);
    }

    [Fact]
    public void Minimized_objectives_rank_and_step_the_other_way()
    {
        var data = Search("running", [Trial(0, TrialState.Completed, 0.5, 0, 10), Trial(1, TrialState.Completed, 0.3, 0, 20)], maximize: false);
        var view = SearchViews.Detail(data, Start.AddSeconds(40), canOperate: false);
        Assert.Equal([1, 0], view.Leaderboard.Select(r => r.Trial));
        Assert.Equal([0, 1], view.BestOverTime.Select(b => b.Trial));
    }

    [Fact]
    public void Time_left_is_the_budget_or_the_pace_whichever_comes_first()
    {
        // 2 of 6 ended after 10 s each, 2 running: 4 left × 10 s / 2 = 20 s.
        var trials = new[]
        {
            Trial(0, TrialState.Completed, 0.7, 0, 10), Trial(1, TrialState.Completed, 0.6, 0, 10),
            Trial(2, TrialState.Running, 0.5, 10, null), Trial(3, TrialState.Running, 0.5, 10, null),
        };
        var paced = SearchViews.Summary(Search("running", trials, TimeSpan.FromMinutes(10)), Start.AddSeconds(15));
        Assert.Equal((20.0, "pace of ended trials"), (paced.TimeLeftSeconds!.Value, paced.TimeLeftBasis));
        var budgeted = SearchViews.Summary(Search("running", trials, TimeSpan.FromSeconds(25)), Start.AddSeconds(15));
        Assert.Equal((10.0, "time budget"), (budgeted.TimeLeftSeconds!.Value, budgeted.TimeLeftBasis));
        Assert.Null(SearchViews.Summary(Search("running", []), Start.AddSeconds(15)).TimeLeftSeconds);
        var done = SearchViews.Summary(Search("completed", trials), Start.AddSeconds(15));
        Assert.Equal((0.0, 1.0), (done.TimeLeftSeconds!.Value, done.Progress));
    }

    [Fact]
    public void A_failed_command_trial_shows_its_stderr_tail_apart_from_the_reason()
    {
        var reason = "command exited with code 1; stderr tail:\nTraceback (most recent call last):\nValueError: bad lr";
        var data = Search("running", [Trial(0, TrialState.Failed, null, 0, 3, reason)]);
        var view = SearchViews.Trial(data, 0)!;
        Assert.Equal("Traceback (most recent call last):\nValueError: bad lr", view.StderrTail);
        Assert.Null(SearchViews.StderrTail("out of memory"));
        Assert.Null(SearchViews.Trial(data, 7));
    }

    [Fact]
    public void A_multi_objective_search_places_its_completed_trials_and_marks_the_front()
    {
        static TrialRecord Scored(int n, TrialState state, double accuracy, double parameters) => new(
            n, new Dictionary<string, object> { ["lr"] = 0.01 * n }, state, 1,
            [new EpochMetrics(1, new Dictionary<string, double> { [EpochMetrics.ValAccuracy] = accuracy, ["params"] = parameters })],
            null, null, null, Start, Start.AddSeconds(10), accuracy);

        // 1 dominates 0 (more accurate, smaller); 1 and 2 trade off; 3 is dominated by 2; 4 runs and is not placed.
        var trials = new[]
        {
            Scored(0, TrialState.Completed, 0.80, 300_000), Scored(1, TrialState.Completed, 0.85, 200_000),
            Scored(2, TrialState.Completed, 0.90, 400_000), Scored(3, TrialState.Completed, 0.88, 500_000),
            Scored(4, TrialState.Running, 0.99, 1_000),
        };
        var objectives = new[] { new ObjectiveSpec(EpochMetrics.ValAccuracy, true), new ObjectiveSpec("params", false) };
        var data = Search("running", trials) with { Objectives = objectives };

        var front = SearchViews.Detail(data, Start.AddSeconds(20), canOperate: false).Front!;
        Assert.Equal(objectives, front.Objectives);
        Assert.Equal([0, 1, 2, 3], front.Points.Select(p => p.Trial));
        Assert.Equal([1, 2], front.Points.Where(p => p.OnFront).Select(p => p.Trial));
        Assert.Equal(200_000, front.Points[1].Values["params"]);
        Assert.Null(SearchViews.Detail(Search("running", trials), Start, canOperate: false).Front);
    }

    [Fact]
    public void Lineage_lists_every_clone_in_epoch_order()
    {
        static LineageEntry Clone(int epoch, int donor, string hash) => new(epoch, donor, 10_001,
            new Dictionary<string, object> { ["learning_rate"] = 0.002 }, new Dictionary<string, string> { ["learning_rate"] = "perturb x1.2" },
            0.5, 0.8, "donor", hash);
        var trials = new[]
        {
            Trial(0, TrialState.Completed, 0.8, 0, 10) with { Lineage = [Clone(4, 1, "donor")] },
            Trial(1, TrialState.Completed, 0.9, 0, 10),
            Trial(2, TrialState.Completed, 0.7, 0, 10) with { Lineage = [Clone(2, 1, "donor"), Clone(4, 1, "other")] },
        };
        var lineage = SearchViews.Detail(Search("completed", trials), Start, canOperate: false).Lineage;
        Assert.Equal([(2, 2, true), (4, 0, true), (4, 2, false)], lineage.Select(l => (l.Epoch, l.Trial, l.Verified)));
        Assert.All(lineage, l => Assert.Equal(1, l.Donor));
        Assert.Equal("perturb x1.2", lineage[0].Operations["learning_rate"]);
    }
}
