namespace HyperSearch.Tuning.Schedulers;

/// <summary>Asynchronous successive halving (Li et al. 2018), in its "stop, never pause" form.</summary>
/// <remarks>
/// Rungs sit at r, rη, rη², … below the maximum resource R. A trial reporting at a rung continues only if it is in
/// the top 1/η of all values recorded at that rung so far (see <see cref="RungRule"/>). Resource is counted in reports
/// (curve points): one epoch each, or whatever unit a trainer reports in, e.g. a fixed slice of the training set.
/// </remarks>
public sealed class AshaScheduler : ITrialScheduler
{
    private readonly int[] _levels;

    public AshaScheduler(int maxResource, int minResource = 1, int reductionFactor = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reductionFactor, 2);
        (MaxResource, MinResource, ReductionFactor) = (maxResource, minResource, reductionFactor);
        _levels = RungRule.Levels(minResource, reductionFactor, maxResource);
    }

    public int MaxResource { get; }

    public int MinResource { get; }

    public int ReductionFactor { get; }

    /// <summary>The resources at which trials are judged.</summary>
    public IReadOnlyList<int> Rungs => _levels;

    public SchedulerDecision OnReport(StudyView study, TrialView trial) =>
        RungRule.Decide(study, trial, _levels, ReductionFactor, static _ => true);
}
