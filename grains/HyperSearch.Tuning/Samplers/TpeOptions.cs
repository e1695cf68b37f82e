namespace HyperSearch.Tuning.Samplers;

/// <summary>How candidates are scored under l(x) and g(x).</summary>
public enum KernelScoring
{
    /// <summary>Each continuous kernel has equal peak height: an observation's pull does not grow as its neighbourhood
    /// gets crowded, and the wide prior kernel weighs more. Equivalent to scoring with kernel weights proportional to
    /// their bandwidths. Optuna up to 3.4 scored this way (by omission, its issue #5109); it measured better here.</summary>
    Height,

    /// <summary>Each kernel is a proper density (area 1), as in the TPE paper.</summary>
    Density,
}

/// <summary>Settings of <see cref="TpeSampler"/>. Most defaults follow Optuna 3.1; <see cref="Multivariate"/>,
/// <see cref="ConstantLiar"/> and <see cref="KernelScoring"/> were chosen by the algorithms benchmark.</summary>
public sealed record TpeOptions
{
    /// <summary>Finished trials needed before TPE replaces random search.</summary>
    public int NStartupTrials { get; init; } = 10;

    /// <summary>Candidates drawn from l(x); the one with the largest l(x)/g(x) wins.</summary>
    public int NEiCandidates { get; init; } = 24;

    /// <summary>Fraction of the observations that form the "good" set (at least 1, at most <see cref="MaxGood"/>).</summary>
    public double Gamma { get; init; } = 0.1;

    /// <summary>Upper bound on the size of the good set.</summary>
    public int MaxGood { get; init; } = 25;

    /// <summary>Weight of the prior (a wide kernel over the whole domain) relative to one observation.</summary>
    public double PriorWeight { get; init; } = 1.0;

    /// <summary>Model all parameters jointly (one shared kernel per observation, Scott's-rule bandwidths, as BOHB)
    /// instead of one at a time.</summary>
    public bool Multivariate { get; init; } = true;

    /// <summary>Whether continuous kernels are scored by height or as densities.</summary>
    public KernelScoring KernelScoring { get; init; } = KernelScoring.Height;

    /// <summary>Count running and waiting trials as bad so that parallel workers spread out.</summary>
    public bool ConstantLiar { get; init; } = true;

    /// <summary>
    /// How selective the good set must be when trials reached different resources: the split compares trials at
    /// the highest resource that at least <c>good / LevelSelectivity</c> trials reached. 1 compares at the highest
    /// resource that holds a whole good set; smaller values fall back to lower, better-populated resources.
    /// </summary>
    public double LevelSelectivity { get; init; } = 1.0;

    public void Validate()
    {
        Check(NStartupTrials >= 0, "n_startup_trials", "must be >= 0");
        Check(NEiCandidates >= 1, "n_ei_candidates", "must be >= 1");
        Check(Gamma is > 0 and <= 1, "gamma", "must be in (0, 1]");
        Check(MaxGood >= 1, "max_good", "must be >= 1");
        Check(PriorWeight > 0 && double.IsFinite(PriorWeight), "prior_weight", "must be > 0");
        Check(LevelSelectivity is > 0 and <= 1, "level_selectivity", "must be in (0, 1]");
    }

    private static void Check(bool ok, string option, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException($"tpe option '{option}' {rule}");
        }
    }
}
