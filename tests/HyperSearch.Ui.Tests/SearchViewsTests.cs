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
}
