using HyperSearch.Tuning.Samplers.Tpe;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Samplers;

/// <summary>Multi-objective TPE (Ozaki et al. 2020): TPE whose good set is chosen by non-dominated rank and hypervolume
/// (<see cref="ParetoSplit"/>) and weighted by hypervolume contribution. Everything else (Parzen estimators, startup,
/// constant liar, no repeats, purity) is <see cref="TpeSampler"/>'s. In a single-objective study it is TPE with
/// hypervolume weights.</summary>
public sealed class MoTpeSampler(TpeOptions? options = null) : ISampler
{
    private readonly TpeSampler _tpe = new(options);

    public TpeOptions Options => _tpe.Options;

    public ParameterSet? Suggest(StudyView study, int trialNumber)
    {
        var split = ParetoSplit.Compute(study, trialNumber, _tpe.Options);
        return _tpe.SuggestFrom(study, trialNumber, split.Good, split.GoodWeights, split.Bad, split.ScoredCount);
    }
}
