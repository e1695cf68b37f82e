using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.Algorithms;

/// <summary>A synthetic validation-error learning curve over the design sketch's CNN space (see objectives.py).</summary>
/// <remarks>Bigger networks start worse; learning rates away from the optimum and big batches converge slower. Early
/// epochs are informative but noisy and biased against big networks, as real curves are.</remarks>
internal sealed class CnnCurveObjective : IBenchObjective
{
    private static readonly Dictionary<string, Dictionary<object, double>> Penalty = new()
    {
        ["batch_size"] = new() { [128L] = 0.0, [256L] = 0.002, [500L] = 0.006, [1000L] = 0.012 },
        ["conv1_filters"] = new() { [32L] = 0.012, [64L] = 0.004, [128L] = 0.0 },
        ["conv1_kernel"] = new() { [2L] = 0.010, [3L] = 0.0, [5L] = 0.004 },
        ["conv2_filters"] = new() { [64L] = 0.010, [128L] = 0.003, [256L] = 0.0 },
        ["conv2_kernel"] = new() { [2L] = 0.004, [3L] = 0.0 },
        ["dense_units"] = new() { [256L] = 0.006, [512L] = 0.0, [1024L] = 0.002 },
        ["init"] = new() { ["he_normal"] = 0.0, ["glorot_uniform"] = 0.005 },
    };

    public string Name => "cnn_curve";

    public double Optimum => 0.07;

    public SearchSpace Space { get; } = new(new Dictionary<string, Domain>
    {
        ["batch_size"] = new Choice([128, 256, 500, 1000]),
        ["conv1_filters"] = new Choice([32, 64, 128]),
        ["conv1_kernel"] = new Choice([2, 3, 5]),
        ["conv2_filters"] = new Choice([64, 128, 256]),
        ["conv2_kernel"] = new Choice([2, 3]),
        ["dense_units"] = new Choice([256, 512, 1024]),
        ["dropout"] = new Uniform(0.2, 0.6),
        ["init"] = new Choice(["he_normal", "glorot_uniform"]),
        ["learning_rate"] = new LogUniform(1e-4, 3e-3),
    });

    public double Final(ParameterSet x)
    {
        var error = 0.07;
        foreach (var name in (string[])["batch_size", "conv1_filters", "conv1_kernel", "conv2_filters", "conv2_kernel", "dense_units", "init"])
        {
            error += Penalty[name][x[name]];
        }

        if (LongOf(x, "conv1_filters") == 32 && LongOf(x, "conv2_filters") == 64)
        {
            error += 0.008;
        }

        var lrOpt = 8e-4 * Math.Sqrt(LongOf(x, "batch_size") / 256.0);
        error += 0.04 * Math.Pow(Math.Log10(DoubleOf(x, "learning_rate") / lrOpt), 2);
        var dOpt = 0.25 + (LongOf(x, "dense_units") == 1024 ? 0.1 : 0.0) + (LongOf(x, "conv2_filters") == 256 ? 0.05 : 0.0);
        error += 0.15 * Math.Pow(DoubleOf(x, "dropout") - dOpt, 2);
        return error;
    }

    public double Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial)
    {
        var lrOpt = 8e-4 * Math.Sqrt(LongOf(x, "batch_size") / 256.0);
        var amplitude = 0.20 + (LongOf(x, "conv1_filters") == 128 ? 0.04 : 0.0) + (LongOf(x, "conv2_filters") == 256 ? 0.04 : 0.0)
            + (LongOf(x, "dense_units") == 1024 ? 0.02 : 0.0);
        var tau = 1.5 * (1.0 + 2.0 * Math.Abs(Math.Log10(DoubleOf(x, "learning_rate") / lrOpt))) * (LongOf(x, "batch_size") >= 500 ? 1.3 : 1.0);
        var excess = amplitude * (Math.Exp(-epoch / tau) - Math.Exp(-maxEpochs / tau));
        var sd = 0.004 + 0.02 * (1.0 - (double)epoch / maxEpochs);
        return Final(x) + excess + sd * NoiseHash.Gaussian(seed, trial, epoch);
    }

    private static long LongOf(ParameterSet x, string name) => (long)x[name];

    private static double DoubleOf(ParameterSet x, string name) => (double)x[name];
}
