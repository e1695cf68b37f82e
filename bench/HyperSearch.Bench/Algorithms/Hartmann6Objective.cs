using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.Algorithms;

/// <summary>Hartmann 6-D with a fidelity knob: a bias and noise that both vanish at the last epoch (see objectives.py).</summary>
internal sealed class Hartmann6Objective : IBenchObjective
{
    private static readonly double[] Alpha = [1.0, 1.2, 3.0, 3.2];

    private static readonly double[][] A =
    [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];

    private static readonly double[][] P =
    [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];

    public string Name => "hartmann6";

    public double Optimum => -3.32236801141551;

    public SearchSpace Space { get; } = new(Enumerable.Range(0, 6).Select(i => KeyValuePair.Create($"x{i}", (Domain)new Uniform(0.0, 1.0))));

    public double Final(ParameterSet x)
    {
        var total = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var inner = 0.0;
            for (var j = 0; j < 6; j++)
            {
                var d = (double)x[$"x{j}"] - P[i][j];
                inner += A[i][j] * d * d;
            }

            total -= Alpha[i] * Math.Exp(-inner);
        }

        return total;
    }

    public double Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial)
    {
        var remaining = 1.0 - (double)epoch / maxEpochs;
        var mean = 0.0;
        for (var j = 0; j < 6; j++)
        {
            mean += (double)x[$"x{j}"];
        }

        mean /= 6.0;
        var bias = 0.3 + 0.7 * mean;
        return Final(x) + bias * remaining * remaining + 0.3 * remaining * NoiseHash.Gaussian(seed, trial, epoch);
    }
}
