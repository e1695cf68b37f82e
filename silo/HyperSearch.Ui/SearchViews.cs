using HyperSearch.Contracts.Specs;
using HyperSearch.Contracts.Trials;
using HyperSearch.Diagnostics;

namespace HyperSearch.Ui;

/// <summary>One line of GET /api/searches.</summary>
public sealed record SearchSummaryView(
    string Id,
    string Name,
    string State,
    string? StopReason,
    string Metric,
    bool Maximize,
    int MaxTrials,
    IReadOnlyDictionary<string, int> Trials,
    double Progress,
    BestView? Best,
    double? TestAccuracy,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double ElapsedSeconds,
    double? TimeLeftSeconds,
    string TimeLeftBasis);

public sealed record BestView(int Trial, double Objective, IReadOnlyDictionary<string, object> Parameters);

/// <summary>GET /api/searches/{id}: the summary and everything the search page draws.</summary>
public sealed record SearchDetailView(
    SearchSummaryView Summary,
    IReadOnlyList<string> ParameterNames,
    IReadOnlyList<LeaderboardRow> Leaderboard,
    IReadOnlyList<CurveView> Curves,
    IReadOnlyList<BestPoint> BestOverTime,
    IReadOnlyList<ImportanceView> Importance,
    string? ImportanceWhyNot,
    IReadOnlyList<Finding> Findings,
    bool CanOperate,
    FrontView? Front,
    IReadOnlyList<LineageView> Lineage);

/// <summary>A multi-objective search: its objectives and every completed trial placed by them, the front marked.</summary>
public sealed record FrontView(IReadOnlyList<ObjectiveSpec> Objectives, IReadOnlyList<FrontPointView> Points);

public sealed record FrontPointView(int Trial, IReadOnlyDictionary<string, double> Values, bool OnFront, IReadOnlyDictionary<string, object> Parameters);

/// <summary>One Population Based Training clone: at <paramref name="Epoch"/> the trial took the donor's checkpoint and
/// explored <paramref name="NewValues"/>; <paramref name="Verified"/> when its loaded weights hashed as the donor's.</summary>
public sealed record LineageView(int Trial, int Epoch, int Donor, IReadOnlyDictionary<string, object> NewValues, IReadOnlyDictionary<string, string> Operations, bool Verified);

public sealed record LeaderboardRow(int Rank, int Trial, string State, double? Objective, int Epochs, long? ParameterCount,
    string? Worker, IReadOnlyDictionary<string, object> Parameters);

/// <summary>One trial's objective per epoch, for the learning curves.</summary>
public sealed record CurveView(int Trial, string State, IReadOnlyDictionary<string, object> Parameters, IReadOnlyList<CurvePoint> Points);

public sealed record CurvePoint(int Epoch, double Value);

/// <summary>The best objective so far after each trial ended, in seconds since the search started.</summary>
public sealed record BestPoint(double Seconds, int Trial, double Objective);

public sealed record ImportanceView(string Parameter, double Share);

/// <summary>GET /api/searches/{id}/trials/{n}.</summary>
public sealed record TrialView(
    string SearchId,
    int Number,
    string State,
    int Attempt,
    string? Worker,
    IReadOnlyDictionary<string, object> Parameters,
    double? Objective,
    long? ParameterCount,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? FailureReason,
    string? StderrTail,
    IReadOnlyList<EpochMetrics> Epochs,
    CheckpointView Checkpoint,
    IReadOnlyList<Finding> Findings,
    string Metric,
    IReadOnlyList<TrialAttempt> Attempts);

/// <summary>A trial's checkpoint folder as this host sees it (files are not served).</summary>
public sealed record CheckpointView(string? Path, bool Exists, IReadOnlyList<CheckpointFile> Files);

public sealed record CheckpointFile(string Name, long Bytes);

/// <summary>Builds the API's views from a <see cref="SearchData"/>: the same numbers for the silo and `hypersearch ui`.</summary>
public static class SearchViews
{
    public static SearchSummaryView Summary(SearchData data, DateTimeOffset now)
    {
        var counts = Enum.GetValues<TrialState>().ToDictionary(s => s.ToString().ToLowerInvariant(), s => data.Trials.Count(t => t.State == s));
        var ended = data.Trials.Count(t => t.State.IsTerminal());
        var progress = data.Finished ? 1.0 : data.MaxTrials > 0 ? Math.Clamp(ended / (double)data.MaxTrials, 0, 1) : 0;
        var elapsed = data.StartedAt is { } start ? Math.Max(0, ((data.EndedAt ?? (data.Finished ? start : now)) - start).TotalSeconds) : 0;
        var (left, basis) = TimeLeft(data, elapsed, ended);
        var best = BestOf(data);
        return new SearchSummaryView(data.SearchId, data.Name, data.State, data.StopReason, data.Metric, data.Maximize, data.MaxTrials,
            counts, Math.Round(progress, 4), best is null ? null : new BestView(best.Number, best.Objective!.Value, best.Parameters),
            data.TestAccuracy, data.StartedAt, data.EndedAt, Math.Round(elapsed, 1), left, basis);
    }

    public static SearchDetailView Detail(SearchData data, DateTimeOffset now, bool canOperate)
    {
        var ranked = Rank(data.Trials, data.Maximize).ToList();
        var board = ranked.Select((t, i) => new LeaderboardRow(i + 1, t.Number, Name(t.State), t.Objective ?? LastValue(t, data.Metric),
            t.Epochs.Count, t.ParameterCount, t.Worker, t.Parameters)).ToList();
        var curves = data.Trials.OrderBy(t => t.Number).Select(t => new CurveView(t.Number, Name(t.State), t.Parameters,
            t.Epochs.Where(e => e.Get(data.Metric) is { } v && double.IsFinite(v)).Select(e => new CurvePoint(e.Epoch, e.Get(data.Metric)!.Value)).ToList())).ToList();
        var scored = data.Trials.Where(t => t.State == TrialState.Completed && t.Objective is { } o && double.IsFinite(o))
            .Select(t => (t.Parameters, Objective: t.Objective!.Value)).ToList();
        var (shares, whyNot) = ParameterImportance.Shares(scored);
        var names = data.Trials.SelectMany(t => t.Parameters.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        return new SearchDetailView(Summary(data, now), names, board, curves, BestOverTime(data),
            shares.Select(s => new ImportanceView(s.Parameter, Math.Round(s.Importance, 4))).ToList(), whyNot, data.Findings, canOperate,
            Front(data), Lineage(data));
    }

    public static TrialView? Trial(SearchData data, int number)
    {
        if (data.Trials.FirstOrDefault(t => t.Number == number) is not { } trial)
        {
            return null;
        }

        return new TrialView(data.SearchId, trial.Number, Name(trial.State), trial.Attempt, trial.Worker, trial.Parameters, trial.Objective,
            trial.ParameterCount, trial.StartedAt, trial.EndedAt, trial.FailureReason, trial.StderrTail ?? StderrTail(trial.FailureReason), trial.Epochs,
            Checkpoint(data.CheckpointRoot, number), data.Findings.Where(f => f.Trial == number).ToList(), data.Metric, trial.Attempts ?? []);
    }

    private static FrontView? Front(SearchData data) => data.Objectives is { Count: > 1 } objectives
        ? new FrontView(objectives, SearchFront.Place(data.Trials, objectives).Select(p => new FrontPointView(p.Trial.Number, p.Values, p.OnFront, p.Trial.Parameters)).ToList())
        : null;

    private static List<LineageView> Lineage(SearchData data) => data.Trials
        .SelectMany(t => (t.Lineage ?? []).Select(l => new LineageView(t.Number, l.Epoch, l.Donor, l.NewValues, l.Operations, l.Verified)))
        .OrderBy(l => l.Epoch).ThenBy(l => l.Trial)
        .ToList();

    /// <summary>Completed trials first by objective, then pruned ones, running ones, the rest; ties by fewer parameters.</summary>
    public static IEnumerable<TrialRecord> Rank(IEnumerable<TrialRecord> trials, bool maximize)
    {
        var sign = maximize ? -1 : 1;
        return trials
            .OrderBy(t => t.State switch { TrialState.Completed => 0, TrialState.Pruned => 1, TrialState.Running => 2, _ => 3 })
            .ThenBy(t => t.Objective is { } o && double.IsFinite(o) ? sign * o : double.MaxValue)
            .ThenBy(t => t.ParameterCount ?? long.MaxValue)
            .ThenBy(t => t.Number);
    }

    /// <summary>A command trial's failure reason carries its stderr's last lines after this marker (CommandTrialRunner);
    /// records written before the tail had its own field only have it there.</summary>
    public static string? StderrTail(string? failureReason)
    {
        const string marker = "stderr tail:\n";
        var at = failureReason?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : failureReason![(at + marker.Length)..];
    }

    private static TrialRecord? BestOf(SearchData data)
    {
        var completed = data.Trials.Where(t => t.State == TrialState.Completed && t.Objective is { } o && double.IsFinite(o));
        return data.BestTrial is { } n && completed.FirstOrDefault(t => t.Number == n) is { } named ? named : Rank(completed, data.Maximize).FirstOrDefault();
    }

    private static List<BestPoint> BestOverTime(SearchData data)
    {
        var points = new List<BestPoint>();
        if (data.StartedAt is not { } start)
        {
            return points;
        }

        double? best = null;
        foreach (var t in data.Trials.Where(t => t.State == TrialState.Completed && t.EndedAt is not null && t.Objective is { } o && double.IsFinite(o))
                     .OrderBy(t => t.EndedAt))
        {
            var value = t.Objective!.Value;
            if (best is null || (data.Maximize ? value > best : value < best))
            {
                best = value;
                points.Add(new BestPoint(Math.Round(Math.Max(0, (t.EndedAt!.Value - start).TotalSeconds), 2), t.Number, value));
            }
        }

        return points;
    }

    /// <summary>What is left of the time budget, else the remaining trials at the pace of those that ended so far.</summary>
    private static (double? Seconds, string Basis) TimeLeft(SearchData data, double elapsed, int ended)
    {
        if (data.Finished)
        {
            return (0, "finished");
        }

        var budget = data.TimeBudget is { } b ? Math.Max(0, b.TotalSeconds - elapsed) : (double?)null;
        var durations = data.Trials.Where(t => t.State.IsTerminal() && t.StartedAt is not null && t.EndedAt is not null)
            .Select(t => (t.EndedAt!.Value - t.StartedAt!.Value).TotalSeconds).ToList();
        if (durations.Count == 0)
        {
            return budget is null ? (null, "no trial has ended yet") : (Math.Round(budget.Value, 1), "time budget");
        }

        var parallel = Math.Max(1, data.Trials.Count(t => t.State == TrialState.Running));
        var pace = durations.Average() * Math.Max(0, data.MaxTrials - ended) / parallel;
        return budget is { } left && left < pace ? (Math.Round(left, 1), "time budget") : (Math.Round(pace, 1), "pace of ended trials");
    }

    private static CheckpointView Checkpoint(string? root, int number)
    {
        if (root is null)
        {
            return new CheckpointView(null, false, []);
        }

        var folder = Path.Combine(root, $"trial-{number:D4}");
        if (!Directory.Exists(folder))
        {
            return new CheckpointView(folder, false, []);
        }

        var files = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(f => new CheckpointFile(Path.GetRelativePath(folder, f.FullName), f.Length)).OrderBy(f => f.Name, StringComparer.Ordinal).Take(50).ToList();
        return new CheckpointView(folder, true, files);
    }

    private static double? LastValue(TrialRecord trial, string metric) => trial.Epochs.LastOrDefault(e => e.Get(metric) is not null)?.Get(metric);

    private static string Name(TrialState state) => state.ToString().ToLowerInvariant();
}
