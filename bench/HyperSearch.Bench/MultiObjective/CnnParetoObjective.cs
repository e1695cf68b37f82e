using HyperSearch.Bench.Algorithms;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>Validation error of the synthetic CNN curve against log10 of the network's parameter count.</summary>
/// <remarks>The accuracy-versus-size trade-off a user of the multi-objective search meets: bigger layers lower the
/// error a little and raise the parameter count a lot.</remarks>
internal sealed class CnnParetoObjective : IBiObjective
{
    private readonly CnnCurveObjective _curve = new();

    public string Name => "cnn_pareto";

    public SearchSpace Space => _curve.Space;

    public double[] Reference => [0.25, 7.2];

    /// <summary>28x28 grey input, conv1, pool 2, conv2, pool 2, dense, 10 classes, "same" padding.</summary>
    public static long Parameters(ParameterSet x)
    {
        var (c1, k1, c2, k2, d) = ((long)x["conv1_filters"], (long)x["conv1_kernel"], (long)x["conv2_filters"], (long)x["conv2_kernel"], (long)x["dense_units"]);
        return c1 * (k1 * k1 + 1) + c2 * (c1 * k2 * k2 + 1) + (7 * 7 * c2 + 1) * d + (d + 1) * 10;
    }

    public double[] Final(ParameterSet x) => [_curve.Final(x), Math.Log10(Parameters(x))];

    public double[] Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial) =>
        [_curve.Value(x, epoch, maxEpochs, seed, trial), Math.Log10(Parameters(x))];
}
