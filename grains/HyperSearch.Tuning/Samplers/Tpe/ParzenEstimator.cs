using HyperSearch.Randomness;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers.Tpe;

/// <summary>A weighted mixture with one kernel per observation plus a wide prior kernel: l(x) or g(x) of TPE.</summary>
/// <remarks>
/// Numeric dimensions use truncated normals on [Low, High]. Univariate bandwidths follow Bergstra et al.
/// (distance to the farther sorted neighbour), multivariate ones Scott's rule as in BOHB; both are clipped to
/// [range / min(100, 1 + kernels), range] ("magic clip") so that a cluster of equal values cannot collapse the density.
/// Categorical dimensions give each kernel a smoothed one-hot distribution.
/// Sampling always uses the mixture as defined; scoring (the log densities) follows <see cref="KernelScoring"/>.
/// </remarks>
internal sealed class ParzenEstimator
{
    private const double ScottMagnitude = 0.2;

    private readonly TpeDimension[] _dims;
    private readonly bool _heightScoring;
    private readonly double[] _weights;
    private readonly double[] _logWeights;
    private readonly double[][] _mu;
    private readonly double[][] _sigma;
    private readonly double[][] _logZ;
    private readonly double[][][] _logProb;

    /// <param name="rows">Encoded observations, one coordinate per dimension.</param>
    /// <param name="observationWeights">One non-negative weight per row.</param>
    /// <param name="dims">The modelled dimensions.</param>
    /// <param name="options">Prior weight and bandwidth rule.</param>
    public ParzenEstimator(IReadOnlyList<double[]> rows, IReadOnlyList<double> observationWeights, TpeDimension[] dims, TpeOptions options)
    {
        _dims = dims;
        _heightScoring = options.KernelScoring == KernelScoring.Height;
        var n = rows.Count;
        var kernels = n + 1; // the prior is the last kernel
        _weights = new double[kernels];
        for (var k = 0; k < n; k++)
        {
            _weights[k] = observationWeights[k];
        }

        _weights[n] = options.PriorWeight;
        var total = _weights.Sum();
        _logWeights = new double[kernels];
        for (var k = 0; k < kernels; k++)
        {
            _weights[k] /= total;
            _logWeights[k] = Math.Log(_weights[k]);
        }

        _mu = new double[dims.Length][];
        _sigma = new double[dims.Length][];
        _logZ = new double[dims.Length][];
        _logProb = new double[dims.Length][][];
        for (var j = 0; j < dims.Length; j++)
        {
            var column = rows.Select(r => r[j]).ToArray();
            if (dims[j].IsCategorical)
            {
                _logProb[j] = CategoricalKernels(column, dims[j].Categories, options.PriorWeight);
            }
            else
            {
                (_mu[j], _sigma[j]) = NumericKernels(column, dims[j], options, dims.Length);
                _logZ[j] = new double[kernels];
                for (var k = 0; k < kernels; k++)
                {
                    _logZ[j][k] = NormalMath.LogMass((dims[j].Low - _mu[j][k]) / _sigma[j][k], (dims[j].High - _mu[j][k]) / _sigma[j][k]);
                }
            }
        }
    }

    private int Kernels => _weights.Length;

    /// <summary>A draw for dimension <paramref name="j"/> alone (its own kernel choice).</summary>
    public double SampleDimension(int j, SeededRandom rng) => SampleKernel(j, PickKernel(rng), rng);

    /// <summary>A joint draw: one kernel chosen, every dimension drawn from it.</summary>
    public double[] SampleJoint(SeededRandom rng)
    {
        var k = PickKernel(rng);
        var x = new double[_dims.Length];
        for (var j = 0; j < x.Length; j++)
        {
            x[j] = SampleKernel(j, k, rng);
        }

        return x;
    }

    /// <summary>log density of dimension <paramref name="j"/> at <paramref name="x"/> under its marginal mixture.</summary>
    public double LogPdfDimension(int j, double x)
    {
        Span<double> terms = Kernels <= 512 ? stackalloc double[Kernels] : new double[Kernels];
        for (var k = 0; k < Kernels; k++)
        {
            terms[k] = _logWeights[k] + KernelLogPdf(j, k, x);
        }

        return LogSumExp(terms);
    }

    /// <summary>log joint density at <paramref name="x"/>.</summary>
    public double LogPdfJoint(double[] x)
    {
        Span<double> terms = Kernels <= 512 ? stackalloc double[Kernels] : new double[Kernels];
        for (var k = 0; k < Kernels; k++)
        {
            var sum = _logWeights[k];
            for (var j = 0; j < _dims.Length; j++)
            {
                sum += KernelLogPdf(j, k, x[j]);
            }

            terms[k] = sum;
        }

        return LogSumExp(terms);
    }

    private int PickKernel(SeededRandom rng)
    {
        var u = rng.NextDouble();
        var cumulative = 0.0;
        for (var k = 0; k < Kernels - 1; k++)
        {
            cumulative += _weights[k];
            if (u < cumulative)
            {
                return k;
            }
        }

        return Kernels - 1;
    }

    private double SampleKernel(int j, int k, SeededRandom rng)
    {
        var dim = _dims[j];
        if (dim.IsCategorical)
        {
            var u = rng.NextDouble();
            var cumulative = 0.0;
            for (var c = 0; c < dim.Categories - 1; c++)
            {
                cumulative += Math.Exp(_logProb[j][k][c]);
                if (u < cumulative)
                {
                    return c;
                }
            }

            return dim.Categories - 1;
        }

        // Rejection from the untruncated normal: the kernel's mean lies inside the bounds and its
        // width is at most the range, so at least a third of the draws land inside.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var x = _mu[j][k] + _sigma[j][k] * rng.NextGaussian();
            if (x >= dim.Low && x <= dim.High)
            {
                return x;
            }
        }

        return Math.Clamp(_mu[j][k], dim.Low, dim.High);
    }

    private double KernelLogPdf(int j, int k, double x)
    {
        var dim = _dims[j];
        if (dim.IsCategorical)
        {
            return _logProb[j][k][(int)x];
        }

        var mu = _mu[j][k];
        var sigma = _sigma[j][k];
        if (dim.IsInt)
        {
            var (lo, hi) = dim.Cell(x);
            return NormalMath.LogMass((lo - mu) / sigma, (hi - mu) / sigma) - _logZ[j][k];
        }

        // Height scoring leaves out the 1/sigma that makes the kernel's area 1 (see KernelScoring).
        return NormalMath.LogPdf((x - mu) / sigma) - (_heightScoring ? 0.0 : Math.Log(sigma)) - _logZ[j][k];
    }

    private static double[][] CategoricalKernels(double[] observed, int categories, double priorWeight)
    {
        var n = observed.Length;
        var result = new double[n + 1][];
        for (var k = 0; k <= n; k++)
        {
            // Each observation's kernel: its category plus a little of every category (the prior's share);
            // the prior kernel itself is uniform.
            var p = Enumerable.Repeat(priorWeight / (n + 1), categories).ToArray();
            if (k < n)
            {
                p[(int)observed[k]] += 1.0;
            }

            var sum = p.Sum();
            result[k] = p.Select(v => Math.Log(v / sum)).ToArray();
        }

        return result;
    }

    private static (double[] Mu, double[] Sigma) NumericKernels(double[] observed, TpeDimension dim, TpeOptions options, int dimensions)
    {
        var n = observed.Length;
        var range = dim.High - dim.Low;
        var mu = new double[n + 1];
        observed.CopyTo(mu, 0);
        mu[n] = 0.5 * (dim.Low + dim.High);
        var sigma = new double[n + 1];
        if (options.Multivariate)
        {
            Array.Fill(sigma, ScottMagnitude * Math.Pow(Math.Max(n, 1), -1.0 / (dimensions + 4)) * range);
        }
        else
        {
            // Bandwidth = distance to the farther neighbour in sorted order (the domain ends are neighbours
            // of the extreme kernels only when there are no others).
            var order = Enumerable.Range(0, n + 1).OrderBy(i => mu[i]).ThenBy(i => i).ToArray();
            for (var r = 0; r < order.Length; r++)
            {
                var left = r > 0 ? mu[order[r - 1]] : dim.Low;
                var right = r < order.Length - 1 ? mu[order[r + 1]] : dim.High;
                var here = mu[order[r]];
                sigma[order[r]] = order.Length >= 2 && r == 0 ? right - here
                    : order.Length >= 2 && r == order.Length - 1 ? here - left
                    : Math.Max(here - left, right - here);
            }
        }

        var minSigma = range / Math.Min(100.0, 1.0 + mu.Length);
        for (var k = 0; k < sigma.Length; k++)
        {
            sigma[k] = Math.Clamp(sigma[k], minSigma, range);
        }

        sigma[n] = range;
        return (mu, sigma);
    }

    private static double LogSumExp(ReadOnlySpan<double> terms)
    {
        var max = double.NegativeInfinity;
        foreach (var t in terms)
        {
            max = Math.Max(max, t);
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        var sum = 0.0;
        foreach (var t in terms)
        {
            sum += Math.Exp(t - max);
        }

        return max + Math.Log(sum);
    }
}
