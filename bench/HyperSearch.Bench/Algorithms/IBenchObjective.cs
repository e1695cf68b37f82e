using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.Algorithms;

/// <summary>A multi-fidelity test function to minimize; defined identically in bench/optuna/objectives.py.</summary>
internal interface IBenchObjective
{
    string Name { get; }

    SearchSpace Space { get; }

    /// <summary>The smallest value of <see cref="Final"/>.</summary>
    double Optimum { get; }

    /// <summary>The noise-free objective after the last epoch.</summary>
    double Final(ParameterSet x);

    /// <summary>The observed objective after <paramref name="epoch"/> of <paramref name="maxEpochs"/> epochs.</summary>
    double Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial);
}
