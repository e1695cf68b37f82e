using HyperSearch.Grains.Trials;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>The trial table of one search (the persisted <see cref="SearchGrainState.Trials"/>) with incremental
/// indexes over it: waiting and running trials, failures, the best completed trial, the configurations tried and the
/// study view the algorithms read. Every state change goes through <see cref="SetState"/> so the indexes stay true.</summary>
/// <remarks>Indexes rather than scans: a busy search handles thousands of calls over thousands of trials.</remarks>
internal sealed class TrialTable
{
    private readonly List<TrialEntry> _trials;
    private readonly string _metric;
    private readonly bool _maximize;
    private readonly IReadOnlyList<ObjectiveSpec>? _objectives;
    private readonly HashSet<string> _triedKeys = new(StringComparer.Ordinal);
    private readonly List<TrialView> _views = [];
    private readonly SortedSet<int> _waiting = [];
    private readonly HashSet<int> _running = [];
    private TrialEntry? _best;

    public TrialTable(List<TrialEntry> trials, SearchSettings settings)
    {
        _trials = trials;
        _metric = settings.Metric;
        _maximize = settings.Maximize;
        _objectives = settings.IsMultiObjective ? settings.Objectives : null;
        foreach (var trial in trials)
        {
            var parameters = new ParameterSet(trial.Parameters);
            _triedKeys.Add(parameters.Key);
            _views.Add(new TrialView(trial.Number, parameters, SpaceMapping.ToStatus(trial.State), []));
            RefreshView(trial);
            Index(trial, previous: null);
        }
    }

    public IReadOnlyList<TrialEntry> All => _trials;

    public int Count => _trials.Count;

    public int RunningCount => _running.Count;

    public int WaitingCount => _waiting.Count;

    public int FailedCount { get; private set; }

    /// <summary>The earliest requeued trial, which is leased before any new one.</summary>
    public TrialEntry? FirstWaiting => _waiting.Count > 0 ? _trials[_waiting.Min] : null;

    public IEnumerable<TrialEntry> Running => _running.Order().Select(n => _trials[n]);

    public IEnumerable<TrialEntry> Waiting => _waiting.Select(n => _trials[n]);

    public IReadOnlyList<TrialView> Views => _views;

    public IReadOnlySet<string> TriedKeys => _triedKeys;

    /// <summary>The best completed trial in the one ranking (<see cref="TrialRanking"/>).</summary>
    public TrialEntry? BestCompleted => _best;

    public TrialEntry? LastFailed => _trials.LastOrDefault(t => t.State == TrialState.Failed);

    public TrialEntry? Find(int number) => number >= 0 && number < _trials.Count ? _trials[number] : null;

    public TrialEntry this[int number] => _trials[number];

    /// <summary>Adds a new waiting trial; null when the configuration was tried before (the sampler contract forbids
    /// repeats already; this makes "never run twice" independent of it).</summary>
    public TrialEntry? Add(ParameterSet configuration)
    {
        if (!_triedKeys.Add(configuration.Key))
        {
            return null;
        }

        var trial = new TrialEntry
        {
            Number = _trials.Count,
            Parameters = configuration.Values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            State = TrialState.Waiting,
        };
        _trials.Add(trial);
        _views.Add(new TrialView(trial.Number, configuration, TrialStatus.Waiting, []));
        Index(trial, previous: null);
        return trial;
    }

    public void SetState(TrialEntry trial, TrialState state)
    {
        var previous = trial.State;
        trial.State = state;
        Index(trial, previous);
        RefreshView(trial);
    }

    /// <summary>Gives a trial a new configuration (Population Based Training's exploit): the study view follows. The
    /// tried keys keep the old one, so a later new trial never repeats either.</summary>
    public void ReplaceParameters(TrialEntry trial, IReadOnlyDictionary<string, object> values)
    {
        var parameters = new ParameterSet(values);
        trial.Parameters = parameters.Values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        _views[trial.Number] = _views[trial.Number] with { Parameters = parameters };
    }

    /// <summary>Places one reported epoch: the epoch number decides the slot, never a count, so a resumed attempt that
    /// re-reports from its checkpoint replaces that epoch and everything after it.</summary>
    public void AddEpoch(TrialEntry trial, EpochMetrics metrics)
    {
        EpochCurve.Place(trial.Epochs, metrics);
        RefreshView(trial);
    }

    /// <summary>Completes an attempt's curve from what its worker saw: reports are acknowledged before they are
    /// durable (a coordinator that moved may have missed some), and the last epoch is not reported on its own.
    /// Merged by epoch number, so a resumed attempt that only saw its new epochs keeps the earlier ones.</summary>
    public void MergeCurve(TrialEntry trial, IReadOnlyList<EpochMetrics>? epochs)
    {
        foreach (var epoch in (epochs ?? []).OrderBy(e => e.Epoch))
        {
            EpochCurve.Place(trial.Epochs, epoch);
        }

        RefreshView(trial);
    }

    /// <summary>Drops the trial's epochs after <paramref name="lastEpoch"/> (their weights were replaced).</summary>
    public void TrimCurve(TrialEntry trial, int lastEpoch)
    {
        trial.Epochs.RemoveAll(e => e.Epoch > lastEpoch);
        RefreshView(trial);
    }

    public double? Objective(TrialEntry trial) => trial.Epochs.Count == 0 ? null : trial.Epochs[^1].Get(_metric);

    /// <summary>The trial's place in the one ranking (<see cref="TrialRanking"/>).</summary>
    public RankKey RankKeyOf(TrialEntry trial) => new(Objective(trial), trial.ParameterCount, trial.Number);

    /// <summary>Moves a trial between the indexes when its state changes (previous null: newly indexed).</summary>
    private void Index(TrialEntry trial, TrialState? previous)
    {
        switch (previous)
        {
            case TrialState.Waiting:
                _waiting.Remove(trial.Number);
                break;
            case TrialState.Running:
                _running.Remove(trial.Number);
                break;
        }

        switch (trial.State)
        {
            case TrialState.Waiting:
                _waiting.Add(trial.Number);
                break;
            case TrialState.Running:
                _running.Add(trial.Number);
                break;
            case TrialState.Failed when previous != TrialState.Failed:
                FailedCount++;
                break;
            case TrialState.Completed when TrialRanking.IsBetter(RankKeyOf(trial), _best is null ? null : RankKeyOf(_best), _maximize):
                _best = trial;
                break;
        }
    }

    private void RefreshView(TrialEntry trial) =>
        _views[trial.Number] = _views[trial.Number] with
        {
            Status = SpaceMapping.ToStatus(trial.State),
            Curve = CurveOf(trial.Epochs),
            ObjectiveCurve = _objectives is null ? null : MultiObjectiveViews.Curve(trial.Epochs, _objectives),
        };

    private double[] CurveOf(List<EpochMetrics> epochs)
    {
        var curve = new double[epochs.Count];
        for (var i = 0; i < curve.Length; i++)
        {
            curve[i] = epochs[i].Get(_metric) ?? double.NaN;
        }

        return curve;
    }
}
