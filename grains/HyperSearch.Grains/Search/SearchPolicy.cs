using HyperSearch.Tuning;
using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>The search policy of one spec: the sampler proposes configurations, the scheduler decides on each epoch
/// report, and the stop conditions say when the search ends. It reads the trial table and changes nothing.</summary>
internal sealed class SearchPolicy
{
    private readonly SearchSpec _spec;
    private readonly SearchSpace _space;
    private readonly ISampler _sampler;
    private readonly ITrialScheduler _scheduler;
    private readonly TrialTable _trials;
    private readonly IReadOnlyList<TrialView> _imported;

    public SearchPolicy(SearchSpec spec, TrialTable trials)
    {
        _spec = spec;
        _trials = trials;
        _space = SpaceMapping.ToSearchSpace(spec.Space);
        _sampler = Algorithms.CreateSampler(spec.Search.Sampler, spec.Search.SamplerOptions);
        _scheduler = Algorithms.CreateScheduler(spec.Search.Scheduler, spec.Search.SchedulerOptions, spec.MaxEpochs);
        _imported = WarmStartViews.Build(spec, _space);
    }

    private SearchSettings Settings => _spec.Search;

    /// <summary>The sampler's next configuration for trial <paramref name="number"/>; null when it has none left.</summary>
    public ParameterSet? NextConfiguration(int number) => _sampler.Suggest(StudyView(), number);

    /// <summary>The scheduler's decision on a trial that just reported an epoch.</summary>
    public EpochDecision Decide(TrialEntry trial) =>
        _scheduler.OnReport(StudyView(), _trials.Views[trial.Number]) == SchedulerDecision.Stop
            ? EpochDecision.Stop
            : EpochDecision.Continue;

    /// <summary>Why a trial's final objective cannot be ranked, or null when it can.</summary>
    public string? UnusableObjective(TrialEntry trial)
    {
        if (MultiObjectiveViews.UnusableObjective(trial, Settings) is { } reason)
        {
            return reason;
        }

        if (trial.Epochs.Count == 0)
        {
            return $"no epoch reported; objective '{Settings.Metric}' is unknown";
        }

        var last = trial.Epochs[^1];
        if (last.Get(Settings.Metric) is not { } value)
        {
            var reported = string.Join(", ", last.Values.Keys.Order(StringComparer.Ordinal));
            return $"objective '{Settings.Metric}' was never reported (epoch {last.Epoch} reported: {(reported.Length == 0 ? "nothing" : reported)})";
        }

        return double.IsFinite(value) ? null : $"diverged: objective {Settings.Metric} is {(double.IsNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity")} at epoch {last.Epoch}";
    }

    /// <summary>The first stop condition that holds (final state and reason), or null: too many failures, time budget,
    /// target reached, or nothing left to run.</summary>
    /// <param name="canCreateTrial">Whether the sampler may still propose trials.</param>
    public (SearchState Final, string Reason)? StopCondition(DateTimeOffset startedAt, DateTimeOffset now, bool canCreateTrial, bool samplerExhausted)
    {
        if (_trials.FailedCount > Settings.MaxFailedTrials)
        {
            return (SearchState.Failed, $"{_trials.FailedCount} trials failed (max_failed_trials is {Settings.MaxFailedTrials}); last: {_trials.LastFailed?.FailureReason}");
        }

        if (Settings.TimeBudget is { } budget && now - startedAt >= budget)
        {
            return (SearchState.Completed, $"time budget of {budget} used");
        }

        if (Settings.TargetValue is { } target && _trials.BestCompleted is { } best && _trials.Objective(best) is { } value &&
            (Settings.Maximize ? value >= target : value <= target))
        {
            return (SearchState.Completed, $"target {Settings.Metric} {target} reached by trial {best.Number}");
        }

        if (!canCreateTrial && _trials.RunningCount == 0 && _trials.WaitingCount == 0)
        {
            return (SearchState.Completed, samplerExhausted ? "search space exhausted" : $"max_trials ({Settings.MaxTrials}) done");
        }

        return null;
    }

    /// <summary>The study as the algorithms see it; valid until the next change to the trial table.</summary>
    public StudyView StudyView() => new(
        _space,
        _imported.Count == 0 ? _trials.Views : [.. _imported, .. _trials.Views],
        Settings.Maximize ? Direction.Maximize : Direction.Minimize,
        Settings.Seed,
        _spec.MaxEpochs)
    {
        TakenKeys = _imported.Count == 0 ? _trials.TriedKeys : null, // the imported configurations count as taken too
        Directions = MultiObjectiveViews.Directions(Settings),
    };
}
