using HyperSearch.Randomness;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Pbt;

/// <summary>One population member at an interval: its objective there, and whether a checkpoint of that epoch
/// exists to clone (a member without one is never a donor).</summary>
public sealed record PbtMember(int Number, double? Score, bool HasCheckpoint, ParameterSet Parameters);

/// <summary>One exploit: <paramref name="Trial"/> continues from <paramref name="Donor"/>'s checkpoint with the donor's
/// configuration, explored: <paramref name="Operations"/> says per mutated knob "perturb x0.8", "perturb x1.2" or
/// "resample".</summary>
public sealed record PbtExploit(int Trial, int Donor, ParameterSet NewParameters, IReadOnlyDictionary<string, string> Operations);

/// <summary>The exploit/explore decision of Population Based Training (Jaderberg et al., 2017) at one interval:
/// the bottom quantile of the ranked population each picks a donor from the top quantile, copies its weights and
/// configuration, then perturbs or resamples the trainable knobs. Pure and deterministic per seed and epoch.</summary>
public static class PopulationBasedTraining
{
    /// <param name="members">Every member that reached the interval (any order).</param>
    /// <param name="epoch">The interval's epoch; with <paramref name="seed"/> it seeds the draws.</param>
    public static IReadOnlyList<PbtExploit> Decide(IReadOnlyList<PbtMember> members, PbtOptions options, SearchSpace space, bool maximize, int seed, int epoch)
    {
        // Best first; a member without a finite score ranks last and may only exploit. Ties go to the lower number.
        var ranked = members
            .OrderBy(m => m.Score is { } s && double.IsFinite(s) ? 0 : 1)
            .ThenBy(m => m.Score is { } s && double.IsFinite(s) ? (maximize ? -s : s) : 0)
            .ThenBy(m => m.Number)
            .ToList();
        var cut = Math.Min((int)Math.Ceiling(ranked.Count * options.Quantile), ranked.Count / 2);
        if (cut == 0)
        {
            return [];
        }

        var donors = ranked.Take(cut).Where(m => m.HasCheckpoint && m.Score is { } s && double.IsFinite(s)).ToList();
        var exploiters = ranked.Skip(ranked.Count - cut).OrderBy(m => m.Number).ToList();
        if (donors.Count == 0)
        {
            return [];
        }

        var rng = new SeededRandom((ulong)SeededRandom.DeriveSeed(seed, 0x9B7_0000UL + (ulong)epoch));
        var knobs = options.MutatedKnobs(space);
        var domains = space.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var exploits = new List<PbtExploit>(exploiters.Count);
        foreach (var trial in exploiters)
        {
            var donor = donors[rng.NextInt(donors.Count)];
            var values = donor.Parameters.Values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var operations = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var knob in knobs.Order(StringComparer.Ordinal))
            {
                if (!domains.TryGetValue(knob, out var domain) || domain is Fixed || !values.TryGetValue(knob, out var current))
                {
                    continue;
                }

                (values[knob], operations[knob]) = Explore(domain, current, options, rng);
            }

            exploits.Add(new PbtExploit(trial.Number, donor.Number, new ParameterSet(values), operations));
        }

        return exploits;
    }

    /// <summary>A knob's explored value: resampled from its domain, or its value moved by a perturbation factor
    /// (one step along a choice list), kept inside the domain.</summary>
    internal static (object Value, string Operation) Explore(Domain domain, object current, PbtOptions options, SeededRandom rng)
    {
        if (rng.NextDouble() < options.ResampleProbability)
        {
            return (domain.SampleUniform(rng), "resample");
        }

        var up = rng.NextInt(2) == 1;
        var factor = up ? options.PerturbUp : options.PerturbDown;
        var operation = $"perturb x{factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        object value = domain switch
        {
            Uniform u => DomainSampling.BelowHigh(ToDouble(current) * factor, u.Low, u.High),
            LogUniform l => DomainSampling.BelowHigh(ToDouble(current) * factor, l.Low, l.High),
            IntRange r => PerturbInt(ToDouble(current), factor, up, r),
            Choice c => Step(c, current, up),
            _ => current,
        };
        return (value, operation);
    }

    /// <summary>Scaled and rounded; when rounding undoes a small value's move, one step in the same direction.</summary>
    private static long PerturbInt(double current, double factor, bool up, IntRange range)
    {
        var moved = DomainSampling.ClampRound(current * factor, range);
        if (moved == (long)current)
        {
            moved = Math.Clamp((long)current + (up ? 1 : -1), range.Low, range.High);
        }

        return moved;
    }

    /// <summary>The neighbouring choice in list order (up: next), staying at the ends.</summary>
    private static object Step(Choice choice, object current, bool up)
    {
        var index = -1;
        for (var i = 0; i < choice.Values.Count; i++)
        {
            if (Equals(Normalize(choice.Values[i]), Normalize(current)))
            {
                index = i;
                break;
            }
        }

        return index < 0 ? current : choice.Values[Math.Clamp(index + (up ? 1 : -1), 0, choice.Values.Count - 1)];
    }

    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        float f => (double)f,
        _ => value,
    };

    private static double ToDouble(object value) => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
}
