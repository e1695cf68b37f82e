using HyperSearch.Randomness;
using HyperSearch.Tuning.MultiObjective;
using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers;

/// <summary>NSGA-II (Deb et al. 2002) as a pure, asynchronous sampler, with Optuna's operators for mixed spaces.</summary>
/// <remarks>
/// Trial n belongs to generation ⌊n / population⌋; generation 0 is uniform random. For a later generation the parents
/// are the best <c>population</c> finished trials of all earlier generations, in NSGA-II's survival order (non-dominated
/// rank, then crowding distance), which is the elitist (μ+λ) selection applied to everything seen so far. A child takes
/// two parents by binary tournament, crosses them with probability <c>crossover_prob</c> (uniform crossover: each
/// parameter from either parent with probability <c>swapping_prob</c>), then redraws each parameter uniformly with
/// probability <c>mutation_prob</c> (default 1 / number of parameters). Completed trials are compared by their last
/// objective vector; pruned trials join only while fewer than two trials have completed. A child that repeats a
/// configuration is bred again; after a few tries the sampler draws an unused random configuration.
/// </remarks>
public sealed class NsgaIISampler(int populationSize = 50, double crossoverProbability = 0.9, double swappingProbability = 0.5, double? mutationProbability = null) : ISampler
{
    private const int Stream = 0x4E534741;
    private const int Breedings = 64;

    public int PopulationSize { get; } = populationSize >= 2 ? populationSize : throw new ArgumentOutOfRangeException(nameof(populationSize), "population_size must be >= 2");

    public ParameterSet? Suggest(StudyView study, int trialNumber)
    {
        var taken = StudyKeys.Taken(study, trialNumber);
        var generation = trialNumber / PopulationSize;
        var parents = generation == 0 ? [] : Parents(study, generation * PopulationSize);
        if (parents.Count < 2)
        {
            return RandomSampler.Draw(study, trialNumber, taken);
        }

        var rng = SeededRandom.For(study.Seed, trialNumber, Stream);
        var free = study.Space.Parameters.Where(p => p.Value is not Fixed).ToArray();
        var mutation = mutationProbability ?? 1.0 / Math.Max(1, free.Length);
        for (var attempt = 0; attempt < Breedings; attempt++)
        {
            var first = Tournament(parents, rng);
            var second = Tournament(parents, rng);
            var cross = rng.NextDouble() < crossoverProbability;
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (name, domain) in study.Space.Parameters)
            {
                var donor = cross && rng.NextDouble() < swappingProbability ? second : first;
                var inherited = donor.Trial.Parameters.Values.TryGetValue(name, out var v) && domain.Contains(v) ? v : null;
                values[name] = inherited is null || (domain is not Fixed && rng.NextDouble() < mutation)
                    ? domain.SampleUniform(rng)
                    : inherited;
            }

            var child = new ParameterSet(values);
            if (!taken.Contains(child.Key))
            {
                return child;
            }
        }

        return RandomSampler.Draw(study, trialNumber, taken);
    }

    private sealed record Parent(TrialView Trial, int Position);

    /// <summary>The best finished trials numbered below <paramref name="before"/>, best first.</summary>
    private List<Parent> Parents(StudyView study, int before)
    {
        var completed = Scored(study, before, TrialStatus.Completed);
        var pool = completed.Count >= 2 ? completed : [.. completed, .. Scored(study, before, TrialStatus.Pruned)];
        var order = Pareto.Order(pool.Select(p => (IReadOnlyList<double>)p.Scores).ToArray());
        return order.Take(PopulationSize).Select((index, position) => new Parent(pool[index].Trial, position)).ToList();
    }

    private static List<(TrialView Trial, double[] Scores)> Scored(StudyView study, int before, TrialStatus status) =>
        study.Trials
            .Where(t => t.Number < before && t.Status == status)
            .Select(t => (Trial: t, Scores: study.ScoresAt(t, study.Reached(t))))
            .Where(t => t.Scores is not null)
            .Select(t => (t.Trial, t.Scores!))
            .ToList();

    /// <summary>Binary tournament: of two random parents, the one earlier in survival order.</summary>
    private static Parent Tournament(List<Parent> parents, SeededRandom rng)
    {
        var a = parents[rng.NextInt(parents.Count)];
        var b = parents[rng.NextInt(parents.Count)];
        return a.Position <= b.Position ? a : b;
    }
}
