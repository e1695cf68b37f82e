using HyperSearch.Randomness;
using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers;

/// <summary>Uniform random search, seeded from (search seed, trial number).</summary>
/// <remarks>
/// A draw that repeats a configuration already in the study is redrawn from the same stream. When a finite
/// space is nearly used up, redrawing could take long, so after a few collisions the sampler lists the
/// unused points and picks one of them; when none is left it returns null.
/// </remarks>
public sealed class RandomSampler : ISampler
{
    /// <summary>Collisions tolerated before listing the unused points of a finite space.</summary>
    private const int RedrawsBeforeListing = 32;

    /// <summary>Finite spaces up to this size are listed; beyond it exhaustion is not realistic.</summary>
    private const long ListableSize = 2_000_000;

    /// <summary>A stream id apart from the ones other samplers use for the same trial.</summary>
    internal const int Stream = 0x52414E44;

    public ParameterSet? Suggest(StudyView study, int trialNumber) =>
        Draw(study, trialNumber, StudyKeys.Taken(study, trialNumber));

    /// <summary>A fresh uniform configuration not in <paramref name="taken"/>, or null if the finite space is used up.</summary>
    internal static ParameterSet? Draw(StudyView study, int trialNumber, IReadOnlySet<string> taken)
    {
        var rng = SeededRandom.For(study.Seed, trialNumber, Stream);
        var size = study.Space.Size();
        var limit = size is { } s && s <= ListableSize ? RedrawsBeforeListing : 100_000;
        for (var attempt = 0; attempt < limit; attempt++)
        {
            var candidate = study.Space.SampleUniform(rng);
            if (!taken.Contains(candidate.Key))
            {
                return candidate;
            }
        }

        if (size is not { } finite || finite > ListableSize)
        {
            throw new InvalidOperationException("random sampler: could not draw an unused configuration");
        }

        var unused = new SpaceGrid(study.Space).All().Where(p => !taken.Contains(p.Key)).ToList();
        return unused.Count == 0 ? null : unused[rng.NextInt(unused.Count)];
    }
}
