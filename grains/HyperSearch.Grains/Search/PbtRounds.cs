using HyperSearch.Grains.Trials;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Pbt;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>Population Based Training over the trial table: each member is one trial that pauses at every interval
/// (its attempt ends, its slot is free); once every living member paused at the same interval the exploit/explore
/// round runs (<see cref="PopulationBasedTraining"/>) and the members go on in new attempts, on any slot, an
/// exploiting one from its donor's interval snapshot. Everything it decides lives in the persisted trial table
/// (paused epoch and token, clone source, lineage) and <see cref="SearchGrainState.PbtDecidedEpoch"/>, so a restarted
/// coordinator carries on where the last one stopped.</summary>
internal sealed class PbtRounds
{
    private readonly SearchGrainState _state;
    private readonly TrialTable _trials;
    private readonly PbtOptions _options;
    private readonly SearchSpace _space;
    private readonly SearchSettings _settings;
    private readonly int _maxEpochs;

    private PbtRounds(SearchGrainState state, TrialTable trials, PbtOptions options, SearchSpec spec)
    {
        _state = state;
        _trials = trials;
        _options = options;
        _space = SpaceMapping.ToSearchSpace(spec.Space);
        _settings = spec.Search;
        _maxEpochs = spec.MaxEpochs;
    }

    /// <summary>The rounds of a <c>scheduler: pbt</c> search; null for any other scheduler.</summary>
    public static PbtRounds? For(SearchGrainState state, TrialTable trials)
    {
        var spec = state.Spec!;
        return string.Equals(spec.Search.Scheduler, "pbt", StringComparison.OrdinalIgnoreCase)
            ? new PbtRounds(state, trials, Algorithms.ReadPbt(spec.Search.SchedulerOptions, spec.MaxEpochs), spec)
            : null;
    }

    /// <summary>Whether a member that reached <paramref name="epoch"/> pauses there: at the first epoch at or past the
    /// interval after its last pause, unless that is the last epoch. Usually that is the interval itself. An attempt
    /// that reached the interval and died before its pause landed left a checkpoint of that epoch, so its successor
    /// resumes one epoch later; it pauses late, at its first epoch, for the same round, rather than running on to the
    /// next interval while the others wait at this one for ever.</summary>
    private bool PausesAt(TrialEntry trial, int epoch) => epoch >= DueInterval(trial) && DueInterval(trial) < _maxEpochs && epoch < _maxEpochs;

    private int DueInterval(TrialEntry trial) => trial.PausedEpoch + _options.Interval;

    /// <summary>Pause for the round; null: the usual decision.</summary>
    public EpochDecision? Decide(TrialEntry trial, EpochMetrics metrics) => PausesAt(trial, metrics.Epoch) ? EpochDecision.Pause : null;

    /// <summary>A waiting trial may be leased once the round of the interval it paused at is done.</summary>
    public TrialEntry? FirstReady => _trials.Waiting.FirstOrDefault(t => t.PausedEpoch <= _state.PbtDecidedEpoch);

    /// <summary>Takes an accepted outcome as a pause when it is one (the attempt stopped where <see cref="Decide"/>
    /// paused it, and its slot kept a snapshot of that epoch): the trial waits for the round of its due interval.
    /// Returns false for any other outcome.</summary>
    public bool TryPause(TrialEntry trial, TrialOutcomeReport outcome, int leaseToken)
    {
        if (outcome.State != TrialState.Pruned || trial.Epochs.Count == 0 || !PausesAt(trial, trial.Epochs[^1].Epoch))
        {
            return false;
        }

        trial.PausedEpoch = DueInterval(trial);
        trial.PausedToken = leaseToken;
        return true;
    }

    /// <summary>Stores what the attempt that cloned found (the hashes go into the lineage entry of that epoch); the
    /// clone is done, so later attempts resume from the trial's own checkpoints.</summary>
    public static void RecordClone(TrialEntry trial, CloneCheck? check)
    {
        if (check is null || trial.CloneFrom is null)
        {
            return;
        }

        var index = trial.Lineage.FindLastIndex(l => l.Epoch == check.Epoch);
        if (index >= 0)
        {
            trial.Lineage[index] = trial.Lineage[index] with { DonorWeightsHash = check.DonorWeightsHash, LoadedWeightsHash = check.LoadedWeightsHash };
        }

        trial.CloneFrom = null;
    }

    /// <summary>Runs the round of the interval every living member paused at, once the whole population exists and
    /// has paused there; a member that ended (failed, say) no longer holds the others back.</summary>
    public void TryDecideRound()
    {
        if (!_state.SamplerExhausted && _trials.Count < _settings.MaxTrials)
        {
            return;
        }

        var living = _trials.All.Where(t => !t.State.IsTerminal()).ToList();
        if (living.Count == 0)
        {
            return;
        }

        var epoch = living[0].PausedEpoch;
        if (epoch <= _state.PbtDecidedEpoch || living.Any(t => t.State != TrialState.Waiting || t.PausedEpoch != epoch))
        {
            return;
        }

        var members = living.Select(t => new PbtMember(t.Number, ScoreAt(t, epoch), HasSnapshotOf(t, epoch), new ParameterSet(t.Parameters))).ToList();
        var exploits = PopulationBasedTraining.Decide(members, _options, _space, _settings.Maximize, _settings.Seed, epoch);
        foreach (var exploit in exploits)
        {
            Apply(_trials[exploit.Trial], _trials[exploit.Donor], exploit, epoch);
        }

        _state.PbtDecidedEpoch = epoch;
    }

    private void Apply(TrialEntry trial, TrialEntry donor, PbtExploit exploit, int epoch)
    {
        var newValues = exploit.Operations.Keys.ToDictionary(k => k, k => exploit.NewParameters[k], StringComparer.Ordinal);
        trial.Lineage.Add(new LineageEntry(epoch, donor.Number, donor.PausedToken, newValues, exploit.Operations, ScoreAt(trial, epoch), ScoreAt(donor, epoch)));
        _trials.ReplaceParameters(trial, exploit.NewParameters.Values);
        // A late pauser trained past the interval; those epochs' weights are replaced by the donor's.
        _trials.TrimCurve(trial, epoch);
        trial.CloneFrom = IntervalSnapshots.Of(CheckpointRetention.FolderOf(_state, donor.Number), epoch, donor.PausedToken);
    }

    /// <summary>Only a member whose pausing attempt stopped exactly at the interval holds that interval's snapshot; a
    /// late pauser's is of a later epoch and never a donor's.</summary>
    private static bool HasSnapshotOf(TrialEntry trial, int epoch) => trial.PausedToken != 0 && trial.Epochs[^1].Epoch == epoch;

    private double? ScoreAt(TrialEntry trial, int epoch) =>
        trial.Epochs.FindLast(e => e.Epoch == epoch)?.Get(_settings.Metric);
}
