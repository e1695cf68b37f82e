using HyperSearch.Randomness;
using HyperSearch.Tuning.Samplers.Tpe;
using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers;

/// <summary>Tree-structured Parzen Estimator (Bergstra et al. 2011), multi-fidelity aware.</summary>
/// <remarks>
/// Until <see cref="TpeOptions.NStartupTrials"/> trials have finished it samples uniformly. Then it splits the
/// finished trials into good and bad (<see cref="ObservationSplit"/>), fits l(x) and g(x), draws
/// <see cref="TpeOptions.NEiCandidates"/> candidates from l and keeps the one with the largest l(x)/g(x):
/// jointly (<see cref="TpeOptions.Multivariate"/>, the default) or per parameter (Optuna's default).
/// Everything is recomputed from the view with an RNG seeded by (seed, trial number), so the same view
/// always gives the same suggestion. A candidate that repeats a configuration in the study is skipped.
/// </remarks>
public sealed class TpeSampler : ISampler
{
    private const int Stream = 0x54504531;

    public TpeSampler(TpeOptions? options = null)
    {
        Options = options ?? new TpeOptions();
        Options.Validate();
    }

    public TpeOptions Options { get; }

    public ParameterSet? Suggest(StudyView study, int trialNumber)
    {
        var split = ObservationSplit.Compute(study, trialNumber, Options);
        return SuggestFrom(study, trialNumber, split.Good, null, split.Bad, split.ScoredCount);
    }

    /// <summary>The suggestion once the observations are split; <paramref name="goodWeights"/> (one per good trial,
    /// null for the default fading weights) lets the multi-objective TPE weight the good set by hypervolume.</summary>
    internal ParameterSet? SuggestFrom(
        StudyView study, int trialNumber, IReadOnlyList<TrialView> goodTrials, IReadOnlyList<double>? goodWeights,
        IReadOnlyList<TrialView> badTrials, int scoredCount)
    {
        var taken = StudyKeys.Taken(study, trialNumber);
        var dims = study.Space.Parameters
            .Where(p => p.Value is not Fixed)
            .Select(p => new TpeDimension(p.Key, p.Value))
            .ToArray();
        if (scoredCount < Math.Max(Options.NStartupTrials, 1) || dims.Length == 0)
        {
            return RandomSampler.Draw(study, trialNumber, taken);
        }

        var (good, kept) = Encode(goodTrials, dims);
        var (bad, _) = Encode(badTrials, dims);
        var l = new ParzenEstimator(good, goodWeights is null ? Weights(good.Count) : kept.Select(i => goodWeights[i]).ToArray(), dims, Options);
        var g = new ParzenEstimator(bad, Weights(bad.Count), dims, Options);
        var rng = SeededRandom.For(study.Seed, trialNumber, Stream);
        var ranked = Options.Multivariate ? RankJoint(l, g, rng) : RankIndependent(l, g, dims.Length, rng);
        foreach (var coordinates in ranked)
        {
            var candidate = ToParameterSet(study.Space, dims, coordinates);
            if (!taken.Contains(candidate.Key))
            {
                return candidate;
            }
        }

        // Every candidate repeats a tried configuration (a small discrete space): fall back to an unused random one.
        return RandomSampler.Draw(study, trialNumber, taken);
    }

    /// <summary>Joint candidates, best l/g first.</summary>
    private IEnumerable<double[]> RankJoint(ParzenEstimator l, ParzenEstimator g, SeededRandom rng)
    {
        var candidates = new (double[] X, double Score)[Options.NEiCandidates];
        for (var i = 0; i < candidates.Length; i++)
        {
            var x = l.SampleJoint(rng);
            candidates[i] = (x, l.LogPdfJoint(x) - g.LogPdfJoint(x));
        }

        return Order(candidates);
    }

    /// <summary>The per-parameter argmax first (Optuna's independent TPE), then whole candidate rows by summed score.</summary>
    private IEnumerable<double[]> RankIndependent(ParzenEstimator l, ParzenEstimator g, int dimensions, SeededRandom rng)
    {
        var n = Options.NEiCandidates;
        var xs = new double[n][];
        var scores = new double[n];
        for (var i = 0; i < n; i++)
        {
            xs[i] = new double[dimensions];
        }

        var best = new double[dimensions];
        for (var j = 0; j < dimensions; j++)
        {
            var bestScore = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                var x = l.SampleDimension(j, rng);
                var score = l.LogPdfDimension(j, x) - g.LogPdfDimension(j, x);
                xs[i][j] = x;
                scores[i] += score;
                if (score > bestScore || i == 0)
                {
                    (bestScore, best[j]) = (score, x);
                }
            }
        }

        yield return best;
        foreach (var row in Order(xs.Zip(scores).ToArray()))
        {
            yield return row;
        }
    }

    private static IEnumerable<double[]> Order((double[] X, double Score)[] candidates) =>
        candidates.Select((c, i) => (c.X, c.Score, i)).OrderByDescending(c => c.Score).ThenBy(c => c.i).Select(c => c.X);

    /// <summary>Rows of coordinates; trials whose values no longer fit the space are left out.</summary>
    private static (List<double[]> Rows, List<int> Kept) Encode(IReadOnlyList<TrialView> trials, TpeDimension[] dims)
    {
        var rows = new List<double[]>(trials.Count);
        var kept = new List<int>(trials.Count);
        for (var i = 0; i < trials.Count; i++)
        {
            var row = EncodeRow(trials[i].Parameters, dims);
            if (row is not null)
            {
                rows.Add(row);
                kept.Add(i);
            }
        }

        return (rows, kept);
    }

    private static double[]? EncodeRow(ParameterSet parameters, TpeDimension[] dims)
    {
        var row = new double[dims.Length];
        for (var j = 0; j < dims.Length; j++)
        {
            if (!parameters.Values.TryGetValue(dims[j].Name, out var value) || dims[j].Encode(value) is not { } x)
            {
                return null;
            }

            row[j] = x;
        }

        return row;
    }

    /// <summary>Optuna's default weights: equal for the last 25 observations, ramping down linearly before them.</summary>
    internal static double[] Weights(int n)
    {
        var w = new double[n];
        var ramp = Math.Max(n - 25, 0);
        for (var i = 0; i < n; i++)
        {
            w[i] = i >= ramp ? 1.0 : ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
        }

        return w;
    }

    private static ParameterSet ToParameterSet(SearchSpace space, TpeDimension[] dims, double[] coordinates)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, domain) in space.Parameters)
        {
            if (domain is Fixed f)
            {
                values[name] = f.Value;
            }
        }

        for (var j = 0; j < dims.Length; j++)
        {
            values[dims[j].Name] = dims[j].Decode(coordinates[j]);
        }

        return new ParameterSet(values);
    }
}
