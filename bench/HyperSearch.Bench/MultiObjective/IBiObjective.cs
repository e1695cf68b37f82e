using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>A multi-fidelity problem with two minimized objectives; defined identically in bench/optuna/mo_objectives.py.</summary>
internal interface IBiObjective
{
    string Name { get; }

    SearchSpace Space { get; }

    /// <summary>The hypervolume reference point: a configuration must beat it in both objectives to count.</summary>
    double[] Reference { get; }

    /// <summary>The noise-free objectives after the last epoch.</summary>
    double[] Final(ParameterSet x);

    /// <summary>The observed objectives after <paramref name="epoch"/> of <paramref name="maxEpochs"/> epochs.</summary>
    double[] Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial);
}
