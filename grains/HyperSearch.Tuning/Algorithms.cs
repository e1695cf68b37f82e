using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning;

/// <summary>Builds samplers and schedulers from the names and snake_case options of a search spec.</summary>
/// <remarks>Every mistake (unknown name, unknown option, bad value) is an <see cref="ArgumentException"/> naming it,
/// so a spec can be validated completely before anything starts.</remarks>
public static class Algorithms
{
    public static IReadOnlyList<string> SamplerNames { get; } = ["grid", "random", "tpe", "nsga2", "motpe"];

    public static IReadOnlyList<string> SchedulerNames { get; } = ["none", "asha", "hyperband", "median", "percentile", "pbt"];

    /// <summary>
    /// grid: grid_points (0 = continuous domains are an error). random: none.
    /// tpe: n_startup_trials (10), n_ei_candidates (24), gamma (0.1), max_good (25), prior_weight (1.0),
    /// multivariate (true), constant_liar (true), kernel_scoring ("height" or "density"), level_selectivity (1.0).
    /// nsga2 (multi-objective): population_size (50), crossover_prob (0.9), swapping_prob (0.5), mutation_prob (1 / parameters).
    /// motpe (multi-objective): tpe's options.
    /// </summary>
    public static ISampler CreateSampler(string name, IReadOnlyDictionary<string, object>? options) => ReadSampler(name, options)();

    /// <summary>Checks a sampler's name and options as <see cref="CreateSampler"/> would, without building it: a spec is
    /// checked where it is admitted and its sampler built once, where the search runs.</summary>
    public static void CheckSampler(string name, IReadOnlyDictionary<string, object>? options) => ReadSampler(name, options);

    /// <summary>Reads and checks every option first; the returned factory builds the sampler they describe.</summary>
    private static Func<ISampler> ReadSampler(string name, IReadOnlyDictionary<string, object>? options)
    {
        var key = Normalize(name, SamplerNames, "sampler");
        var o = new OptionReader($"sampler '{key}'", options);
        Func<ISampler> create;
        switch (key)
        {
            case "grid":
                var gridPoints = o.Int("grid_points", 0, min: 0);
                create = () => new GridSampler(gridPoints);
                break;
            case "random":
                create = () => new RandomSampler();
                break;
            case "nsga2":
                var population = o.Int("population_size", 50, 2);
                var crossover = o.Double("crossover_prob", 0.9, 0.0, 1.0);
                var swapping = o.Double("swapping_prob", 0.5, 0.0, 1.0);
                var mutation = o.Double("mutation_prob", double.NaN, 0.0, 1.0); // absent: 1 / number of parameters
                create = () => new NsgaIISampler(population, crossover, swapping, double.IsNaN(mutation) ? null : mutation);
                break;
            case "motpe":
                var moTpe = TpeFrom(o);
                create = () => new MoTpeSampler(moTpe);
                break;
            default:
                var tpe = TpeFrom(o);
                create = () => new TpeSampler(tpe);
                break;
        }

        o.RejectUnknown();
        return create;
    }

    /// <summary>
    /// none: no options. asha: min_resource (1), reduction_factor (3). hyperband: min_resource (1), reduction_factor (3),
    /// brackets (all that fit). median: grace_period (0), min_trials (5), min_reports (1).
    /// percentile: percentile (25) plus median's options. pbt: population, interval, quantile (0.25), perturb_down (0.8),
    /// perturb_up (1.2), resample_probability (0.25), mutate (see <see cref="Pbt.PbtOptions"/>).
    /// </summary>
    /// <param name="name">A name from <see cref="SchedulerNames"/>.</param>
    /// <param name="options">snake_case options, or null.</param>
    /// <param name="maxResource">The most reports (epochs) a trial makes.</param>
    public static ITrialScheduler CreateScheduler(string name, IReadOnlyDictionary<string, object>? options, int maxResource) =>
        ReadScheduler(name, options, maxResource)();

    /// <summary>Checks a scheduler's name and options as <see cref="CreateScheduler"/> would, without building it.</summary>
    public static void CheckScheduler(string name, IReadOnlyDictionary<string, object>? options, int maxResource) =>
        ReadScheduler(name, options, maxResource);

    /// <summary>Reads and checks every option first; the returned factory builds the scheduler they describe.</summary>
    private static Func<ITrialScheduler> ReadScheduler(string name, IReadOnlyDictionary<string, object>? options, int maxResource)
    {
        var key = Normalize(name, SchedulerNames, "scheduler");
        if (maxResource < 1)
        {
            throw new ArgumentException($"scheduler '{key}': the maximum resource (epochs) must be >= 1, got {maxResource}");
        }

        var o = new OptionReader($"scheduler '{key}'", options);
        Func<ITrialScheduler> create;
        switch (key)
        {
            case "none":
                create = () => new NoStoppingScheduler();
                break;
            case "pbt":
                // PBT never prunes: members pause at each interval and the coordinator exploits between them.
                Pbt.PbtOptions.Read(o, maxResource);
                create = () => new NoStoppingScheduler();
                break;
            case "asha":
                var ashaMin = o.Int("min_resource", 1, 1, maxResource);
                var ashaEta = o.Int("reduction_factor", 3, 2);
                create = () => new AshaScheduler(maxResource, ashaMin, ashaEta);
                break;
            case "hyperband":
                var min = o.Int("min_resource", 1, 1, maxResource);
                var eta = o.Int("reduction_factor", 3, 2);
                var most = HyperbandScheduler.MaxBrackets(maxResource, min, eta);
                var brackets = o.Int("brackets", most, 1, most);
                create = () => new HyperbandScheduler(maxResource, min, eta, brackets);
                break;
            default:
                var percentile = key == "median" ? 50.0 : o.Double("percentile", 25.0, 0.0, 100.0);
                var grace = o.Int("grace_period", 0, 0);
                var minTrials = o.Int("min_trials", 5, 0);
                var minReports = o.Int("min_reports", 1, 1);
                create = () => new PercentileScheduler(percentile, grace, minTrials, minReports);
                break;
        }

        o.RejectUnknown();
        return create;
    }

    /// <summary>The PBT settings of a <c>scheduler: pbt</c> spec, checked as <see cref="CheckScheduler"/> does.</summary>
    public static Pbt.PbtOptions ReadPbt(IReadOnlyDictionary<string, object>? options, int maxResource)
    {
        var o = new OptionReader("scheduler 'pbt'", options);
        var pbt = Pbt.PbtOptions.Read(o, maxResource);
        o.RejectUnknown();
        return pbt;
    }

    private static TpeOptions TpeFrom(OptionReader o)
    {
        var defaults = new TpeOptions();
        return new TpeOptions
        {
            NStartupTrials = o.Int("n_startup_trials", defaults.NStartupTrials, 0),
            NEiCandidates = o.Int("n_ei_candidates", defaults.NEiCandidates, 1, 10_000),
            Gamma = o.Double("gamma", defaults.Gamma, 0.0, 1.0, minExclusive: true),
            MaxGood = o.Int("max_good", defaults.MaxGood, 1),
            PriorWeight = o.Double("prior_weight", defaults.PriorWeight, 0.0, 1e6, minExclusive: true),
            Multivariate = o.Bool("multivariate", defaults.Multivariate),
            ConstantLiar = o.Bool("constant_liar", defaults.ConstantLiar),
            KernelScoring = Enum.Parse<KernelScoring>(o.Word("kernel_scoring", defaults.KernelScoring.ToString().ToLowerInvariant(), "height", "density"), ignoreCase: true),
            LevelSelectivity = o.Double("level_selectivity", defaults.LevelSelectivity, 0.0, 1.0, minExclusive: true),
        };
    }

    private static string Normalize(string name, IReadOnlyList<string> known, string kind)
    {
        var key = name?.Trim().ToLowerInvariant() ?? "";
        return known.Contains(key)
            ? key
            : throw new ArgumentException($"unknown {kind} '{name}' (known: {string.Join(", ", known)})");
    }
}
