namespace HyperSearch.Tuning.Schedulers;

/// <summary>Hyperband as several ASHA brackets with growing minimum resource (Li et al. 2018; Optuna's HyperbandPruner).</summary>
/// <remarks>
/// Bracket b uses minimum resource r·η^b, b = 0 … s_max with s_max = ⌊log_η(R/r)⌋; the last bracket never stops anyone.
/// A trial's bracket is a function of its trial number alone: trial numbers cycle through a smooth weighted
/// round-robin whose weights are Hyperband's allocation ⌈n·η^s/(s+1)⌉ (s = n-1-b), so aggressive brackets get more
/// trials and every bracket appears early. Trials are compared only with trials of their own bracket.
/// </remarks>
public sealed class HyperbandScheduler : ITrialScheduler
{
    private readonly int[][] _levels;
    private readonly int[] _cycle;

    public HyperbandScheduler(int maxResource, int minResource = 1, int reductionFactor = 3, int? brackets = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minResource, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reductionFactor, 2);
        (MaxResource, MinResource, ReductionFactor) = (maxResource, minResource, reductionFactor);
        var possible = MaxBrackets(maxResource, minResource, reductionFactor);
        var count = brackets ?? possible;
        if (count < 1 || count > possible)
        {
            throw new ArgumentOutOfRangeException(nameof(brackets), $"must be between 1 and {possible} for these resources");
        }

        BracketMinResources = Enumerable.Range(0, count).Select(b => (int)(minResource * Math.Pow(reductionFactor, b))).ToArray();
        _levels = BracketMinResources.Select(r => RungRule.Levels(r, reductionFactor, maxResource)).ToArray();
        _cycle = SmoothRoundRobin(Enumerable.Range(0, count).Select(b => Allocation(count, b, reductionFactor)).ToArray());
    }

    /// <summary>s_max + 1: how many brackets fit between the minimum and maximum resource.</summary>
    public static int MaxBrackets(int maxResource, int minResource, int reductionFactor)
    {
        var brackets = 1;
        for (long r = (long)minResource * reductionFactor; r <= maxResource; r *= reductionFactor)
        {
            brackets++;
        }

        return brackets;
    }

    public int MaxResource { get; }

    public int MinResource { get; }

    public int ReductionFactor { get; }

    /// <summary>The minimum resource of each bracket, most aggressive first.</summary>
    public IReadOnlyList<int> BracketMinResources { get; }

    /// <summary>The bracket of trial <paramref name="trialNumber"/>.</summary>
    public int BracketOf(int trialNumber) => _cycle[(int)((uint)trialNumber % (uint)_cycle.Length)];

    /// <summary>The rungs of bracket <paramref name="bracket"/>.</summary>
    public IReadOnlyList<int> RungsOf(int bracket) => _levels[bracket];

    public SchedulerDecision OnReport(StudyView study, TrialView trial)
    {
        var bracket = BracketOf(trial.Number);
        return RungRule.Decide(study, trial, _levels[bracket], ReductionFactor, other => BracketOf(other.Number) == bracket);
    }

    private static int Allocation(int brackets, int bracket, int eta)
    {
        var s = brackets - 1 - bracket;
        return (int)Math.Ceiling(brackets * Math.Pow(eta, s) / (s + 1) - 1e-9);
    }

    /// <summary>One cycle of smooth weighted round-robin: each slot goes to the bracket most behind its share.</summary>
    private static int[] SmoothRoundRobin(int[] weights)
    {
        var total = weights.Sum();
        var current = new long[weights.Length];
        var cycle = new int[total];
        for (var slot = 0; slot < total; slot++)
        {
            var pick = 0;
            for (var b = 0; b < weights.Length; b++)
            {
                current[b] += weights[b];
                if (current[b] > current[pick])
                {
                    pick = b;
                }
            }

            current[pick] -= total;
            cycle[slot] = pick;
        }

        return cycle;
    }
}
