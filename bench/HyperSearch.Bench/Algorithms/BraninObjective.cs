using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.Algorithms;

/// <summary>Branin–Hoo with a fidelity knob: a bias and noise that both vanish at the last epoch (see objectives.py).</summary>
internal sealed class BraninObjective : IBenchObjective
{
    public string Name => "branin";

    public double Optimum => 0.397887357729738;

    public SearchSpace Space { get; } = new(new Dictionary<string, Domain>
    {
        ["x1"] = new Uniform(-5.0, 10.0),
        ["x2"] = new Uniform(0.0, 15.0),
    });

    public double Final(ParameterSet x)
    {
        double x1 = (double)x["x1"], x2 = (double)x["x2"];
        var b = 5.1 / (4.0 * Math.PI * Math.PI);
        var c = 5.0 / Math.PI;
        var t = 1.0 / (8.0 * Math.PI);
        return Math.Pow(x2 - b * x1 * x1 + c * x1 - 6.0, 2) + 10.0 * (1.0 - t) * Math.Cos(x1) + 10.0;
    }

    public double Value(ParameterSet x, int epoch, int maxEpochs, long seed, int trial)
    {
        var remaining = 1.0 - (double)epoch / maxEpochs;
        var bias = 5.0 + 0.5 * ((double)x["x1"] + 5.0) + 0.2 * (double)x["x2"];
        return Final(x) + bias * remaining * remaining + 5.0 * remaining * NoiseHash.Gaussian(seed, trial, epoch);
    }
}
