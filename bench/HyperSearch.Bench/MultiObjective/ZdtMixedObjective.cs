using HyperSearch.Bench.Algorithms;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>ZDT1 on a mixed space (four reals and a categorical) with a fidelity bias and noise on the second objective.</summary>
internal sealed class ZdtMixedObjective : IBiObjective
{
    private static readonly Dictionary<string, double> Level = new() { ["a"] = 0.0, ["b"] = 1.0 / 3.0, ["c"] = 2.0 / 3.0, ["d"] = 1.0 };

    public string Name => "zdt_mixed";

    public SearchSpace Space { get; } = new(new Dictionary<string, Domain>
    {
        ["x1"] = new Uniform(0.0, 1.0),
        ["x2"] = new Uniform(0.0, 1.0),
        ["x3"] = new Uniform(0.0, 1.0),
        ["x4"] = new Uniform(0.0, 1.0),
        ["level"] = new Choice(["a", "b", "c", "d"]),
    });

    public double[] Reference => [1.1, 11.0];

    public double[] Final(ParameterSet x)
    {
        var g = 1.0 + 9.0 * (D(x, "x2") + D(x, "x3") + D(x, "x4") + Level[(string)x["level"]]) / 4.0;
        var f1 = D(x, "x1");
        return [f1, g * (1.0 - Math.Sqrt(f1 / g))];
    }

    public double[] Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial)
    {
        var final = Final(x);
        var remaining = 1.0 - (double)epoch / maxEpochs;
        var bias = 2.0 + 2.0 * D(x, "x2");
        return [final[0], final[1] + bias * remaining * remaining + 0.5 * remaining * NoiseHash.Gaussian(seed, trial, epoch)];
    }

    private static double D(ParameterSet x, string name) => (double)x[name];
}
