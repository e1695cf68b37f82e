using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Pbt;

/// <summary>Population Based Training settings (<c>scheduler: pbt</c>).</summary>
/// <param name="Population">Trials trained together; null: the search's max_trials.</param>
/// <param name="Interval">Epochs between exploit/explore decisions.</param>
/// <param name="Quantile">Fraction of the ranked population that exploits (bottom) and may donate (top).</param>
/// <param name="PerturbDown">Factor of a downward perturbation (0.8).</param>
/// <param name="PerturbUp">Factor of an upward perturbation (1.2).</param>
/// <param name="ResampleProbability">Chance that a mutated knob is drawn afresh from its domain instead of perturbed.</param>
/// <param name="Mutate">Knobs explored after an exploit; empty: every trainable knob the space searches.</param>
public sealed record PbtOptions(
    int? Population,
    int Interval,
    double Quantile,
    double PerturbDown,
    double PerturbUp,
    double ResampleProbability,
    IReadOnlyList<string> Mutate)
{
    /// <summary>Knobs whose change keeps the weights meaningful: optimizer, regularisation and augmentation
    /// settings. Architecture knobs (filters, kernels, layers, units, batch norm, ...) change the weights' shapes or
    /// meaning, so a cloned checkpoint would not fit them.</summary>
    public static IReadOnlyList<string> TrainableKnobs { get; } =
        ["learning_rate", "dropout", "weight_decay", "momentum", "augment_flip", "augment_crop_padding"];

    /// <summary>Reads and checks the options; every mistake is an <see cref="OptionException"/> naming the option.</summary>
    /// <param name="maxEpochs">The epochs each member trains: an interval must leave room for a decision.</param>
    internal static PbtOptions Read(OptionReader o, int maxEpochs)
    {
        var population = o.Int("population", 0, min: 0);
        if (population == 1)
        {
            throw new OptionException("population", "scheduler 'pbt' option 'population' must be at least 2, got 1");
        }

        var interval = o.Int("interval", Math.Max(1, maxEpochs / 4), min: 1);
        if (interval >= maxEpochs)
        {
            throw new OptionException("interval", $"scheduler 'pbt' option 'interval' ({interval}) must be below the epochs each trial trains ({maxEpochs}), or no decision ever happens");
        }

        var quantile = o.Double("quantile", 0.25, 0.0, 0.5, minExclusive: true);
        var down = o.Double("perturb_down", 0.8, 0.0, 1.0, minExclusive: true);
        var up = o.Double("perturb_up", 1.2, 1.0, 100.0, minExclusive: true);
        var resample = o.Double("resample_probability", 0.25, 0.0, 1.0);
        var mutate = Names(o.Text("mutate", ""));
        foreach (var name in mutate.Where(n => !TrainableKnobs.Contains(n)))
        {
            throw new OptionException("mutate",
                $"scheduler 'pbt' option 'mutate': '{name}' is not a trainable knob; PBT mutates only {string.Join(", ", TrainableKnobs)} " +
                "(architecture knobs such as filters, kernels, layers, units or batch_norm change the weights' shapes, so a cloned checkpoint would not fit)");
        }

        return new PbtOptions(population == 0 ? null : population, interval, quantile, down, up, resample, mutate);
    }

    private static IReadOnlyList<string> Names(string text) =>
        text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The knobs explored in <paramref name="space"/>: <see cref="Mutate"/>, else every trainable knob it varies.</summary>
    public IReadOnlyList<string> MutatedKnobs(Space.SearchSpace space) => Mutate.Count > 0
        ? Mutate
        : space.Parameters.Where(p => TrainableKnobs.Contains(p.Key) && p.Value is not Space.Fixed).Select(p => p.Key).ToArray();
}
