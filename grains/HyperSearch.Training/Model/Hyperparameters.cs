using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperSearch.Training;

/// <summary>
/// The knobs a search can turn, and their translation into a <see cref="TrialConfig"/>. Missing knobs
/// take the seed model's values. Per-layer knobs (conv{N}_*, dense{N}_units, N from 1) for layers beyond
/// conv_layers / dense_layers (or, without conv_layers, beyond the highest conv{N}_filters) are ignored,
/// so a flat search space can carry them for every trial.
/// </summary>
public static partial class Hyperparameters
{
    private static readonly string[] ActivationNames = ["relu", "elu", "leaky_relu", "gelu", "tanh"];
    private static readonly string[] InitNames = ["he_normal", "glorot_uniform", "he_uniform", "glorot_normal"];
    private static readonly string[] OptimizerNames = ["adam", "sgd", "adamw"];
    private static readonly string[] PaddingNames = ["valid", "same"];
    private static readonly string[] ScheduleNames = ["constant", "cosine", "one_cycle"];
    private static readonly string[] PrecisionNames = ["fp32", "bf16"];
    private const int MaxLayers = 16;

    public static IReadOnlyDictionary<string, KnobInfo> Knobs { get; } = new KnobInfo[]
    {
        new("conv_layers", "int", "number of conv blocks (1-16); default: the highest N among conv{N}_filters given, else 2", null),
        new("conv{N}_filters", "int", "filters of conv block N (seed: 64, 256; later blocks: 256)", null),
        new("conv{N}_kernel", "int", "square kernel size of conv block N (seed: 3, 2; later blocks: 2)", null),
        new("conv{N}_stride", "int", "stride of conv block N (default 1)", null),
        new("conv{N}_padding", "string", "padding of conv block N (default valid; same = output ceil(input/stride))", PaddingNames),
        new("conv{N}_pool", "int", "max-pool size after conv block N; 0 or 1 = none (default 2)", null),
        new("conv_filters", "int", "filters of every conv block without its own conv{N}_filters", null),
        new("conv_kernel", "int", "kernel of every conv block without its own conv{N}_kernel", null),
        new("batch_norm", "bool", "batch normalization after each convolution (default false)", null),
        new("activation", "string", "activation of conv and dense layers (default relu)", ActivationNames),
        new("dense_layers", "int", "hidden dense layers (0-16, default 1)", null),
        new("dense_units", "int", "units of every hidden dense layer (default 1024)", null),
        new("dense{N}_units", "int", "units of hidden dense layer N, overriding dense_units", null),
        new("dropout", "double", "dropout after each hidden dense layer, in [0, 1) (default 0.4)", null),
        new("init", "string", "weight initialisation, Keras semantics; biases zero (default he_normal)", InitNames),
        new("optimizer", "string", "optimizer (default adam)", OptimizerNames),
        new("learning_rate", "double", "learning rate (default 1e-3)", null),
        new("weight_decay", "double", "weight decay: L2 for adam/sgd, decoupled for adamw (default 0)", null),
        new("momentum", "double", "SGD momentum in [0, 1) (default 0.9; sgd only)", null),
        new("batch_size", "int", "training batch size (default 256)", null),
        new("epochs", "int", "training epochs (default 3)", null),
        new("augment_flip", "bool", "random horizontal flips while training (default false)", null),
        new("augment_crop_padding", "int", "random crops after zero-padding by this many pixels (default 0 = off)", null),
        new("global_pool", "bool", "global average pooling instead of flattening the last feature map (default false)", null),
        new("lr_schedule", "string", "learning rate per batch over the planned epochs (default constant; one_cycle: warm-up to learning_rate over 30 %, then cosine down)", ScheduleNames),
        new("epoch_fraction", "double", "an epoch (report, scheduler resource) trains on this fraction 1/K of the training split (default 1)", null),
        new("precision", "string", "fp32, or bf16 mixed precision (fp32 master weights; default fp32)", PrecisionNames),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>True for every knob in <see cref="Knobs"/>, with per-layer names for any N ≥ 1.</summary>
    public static bool IsKnown(string name) =>
        (Knobs.ContainsKey(name) && !name.Contains('{')) || LayerKnob().Match(name) is { Success: true } m && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) >= 1;

    /// <summary>Builds a configuration from knob values (long/int/double/string/bool). Throws <see cref="ConfigException"/> naming the key.</summary>
    public static TrialConfig Parse(IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var key in values.Keys)
        {
            if (!IsKnown(key))
                throw new ConfigException(key, $"{key}: unknown hyperparameter; known: {string.Join(", ", Knobs.Keys)}");
        }
        var r = new Reader(values);
        var seed = TrialConfig.Seed;

        // The layers whose filters are given define the depth (conv1..convN_filters → N layers).
        int highestConv = values.Keys.Select(k => LayerKnob().Match(k)).Where(m => m.Success && m.Groups[1].Value == "conv" && m.Groups[3].Value == "filters")
            .Select(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        int convLayers = r.Int("conv_layers", highestConv > 0 ? highestConv : seed.ConvLayers.Count, 1, MaxLayers);
        var conv = new ConvLayerConfig[convLayers];
        for (int n = 1; n <= convLayers; n++)
        {
            var fallback = seed.ConvLayers[Math.Min(n, seed.ConvLayers.Count) - 1];
            conv[n - 1] = new ConvLayerConfig(
                r.Int($"conv{n}_filters", r.Int("conv_filters", fallback.Filters, 1, 4096), 1, 4096),
                r.Int($"conv{n}_kernel", r.Int("conv_kernel", fallback.Kernel, 1, 64), 1, 64),
                r.Int($"conv{n}_stride", 1, 1, 16),
                Parsed<PaddingMode>(r.Choice($"conv{n}_padding", "valid", PaddingNames)),
                r.Int($"conv{n}_pool", 2, 0, 16));
        }

        int denseLayers = r.Int("dense_layers", seed.DenseUnits.Count, 0, MaxLayers);
        int units = r.Int("dense_units", seed.DenseUnits[0], 1, 1 << 16);
        var dense = Enumerable.Range(1, denseLayers).Select(n => r.Int($"dense{n}_units", units, 1, 1 << 16)).ToArray();

        double dropout = r.Double("dropout", seed.Dropout);
        if (!(dropout >= 0 && dropout < 1)) throw new ConfigException("dropout", $"dropout: {dropout}; expected a value in [0, 1)");
        double lr = r.Double("learning_rate", seed.LearningRate);
        if (!(lr > 0 && double.IsFinite(lr))) throw new ConfigException("learning_rate", $"learning_rate: {lr}; expected a positive finite value");
        double wd = r.Double("weight_decay", seed.WeightDecay);
        if (!(wd >= 0 && double.IsFinite(wd))) throw new ConfigException("weight_decay", $"weight_decay: {wd}; expected a non-negative finite value");
        double momentum = r.Double("momentum", seed.Momentum);
        if (!(momentum >= 0 && momentum < 1)) throw new ConfigException("momentum", $"momentum: {momentum}; expected a value in [0, 1)");

        return new TrialConfig(conv, dense,
            BatchNorm: r.Bool("batch_norm", false),
            Activation: Parsed<ActivationKind>(r.Choice("activation", "relu", ActivationNames)),
            Dropout: dropout,
            Init: Parsed<InitKind>(r.Choice("init", "he_normal", InitNames)),
            Optimizer: Parsed<OptimizerKind>(r.Choice("optimizer", "adam", OptimizerNames)),
            LearningRate: lr,
            WeightDecay: wd,
            Momentum: momentum,
            BatchSize: r.Int("batch_size", seed.BatchSize, 1, 1 << 16),
            Epochs: r.Int("epochs", seed.Epochs, 1, 100_000),
            AugmentFlip: r.Bool("augment_flip", false),
            AugmentCropPadding: r.Int("augment_crop_padding", 0, 0, 64),
            GlobalPool: r.Bool("global_pool", false),
            LrSchedule: Parsed<LrSchedule>(r.Choice("lr_schedule", "constant", ScheduleNames)),
            EpochFraction: EpochFraction(r.Double("epoch_fraction", 1)),
            Bf16: r.Choice("precision", "fp32", PrecisionNames) == "bf16");
    }

    internal static IReadOnlyDictionary<string, object> ToKnobs(TrialConfig c)
    {
        var knobs = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["conv_layers"] = (long)c.ConvLayers.Count,
            ["batch_norm"] = c.BatchNorm,
            ["activation"] = Name(c.Activation),
            ["dense_layers"] = (long)c.DenseUnits.Count,
            ["dropout"] = c.Dropout,
            ["init"] = Name(c.Init),
            ["optimizer"] = Name(c.Optimizer),
            ["learning_rate"] = c.LearningRate,
            ["weight_decay"] = c.WeightDecay,
            ["momentum"] = c.Momentum,
            ["batch_size"] = (long)c.BatchSize,
            ["epochs"] = (long)c.Epochs,
            ["augment_flip"] = c.AugmentFlip,
            ["augment_crop_padding"] = (long)c.AugmentCropPadding,
            ["global_pool"] = c.GlobalPool,
            ["lr_schedule"] = Name(c.LrSchedule),
            ["epoch_fraction"] = c.EpochFraction,
            ["precision"] = c.Bf16 ? "bf16" : "fp32",
        };
        for (int n = 1; n <= c.ConvLayers.Count; n++)
        {
            var l = c.ConvLayers[n - 1];
            knobs[$"conv{n}_filters"] = (long)l.Filters;
            knobs[$"conv{n}_kernel"] = (long)l.Kernel;
            knobs[$"conv{n}_stride"] = (long)l.Stride;
            knobs[$"conv{n}_padding"] = Name(l.Padding);
            knobs[$"conv{n}_pool"] = (long)l.Pool;
        }
        for (int n = 1; n <= c.DenseUnits.Count; n++) knobs[$"dense{n}_units"] = (long)c.DenseUnits[n - 1];
        return knobs;
    }

    /// <summary>Snake-case knob spelling of an enum value (LeakyRelu → leaky_relu, AdamW → adamw).</summary>
    internal static string Name<T>(T value) where T : struct, Enum => value switch
    {
        ActivationKind.LeakyRelu => "leaky_relu",
        InitKind.HeNormal => "he_normal",
        InitKind.HeUniform => "he_uniform",
        InitKind.GlorotNormal => "glorot_normal",
        InitKind.GlorotUniform => "glorot_uniform",
        LrSchedule.OneCycle => "one_cycle",
        _ => value.ToString().ToLowerInvariant(),
    };

    /// <summary>Chunks per pass over the training split for an epoch fraction 1/K (K ≥ 1), or 0 when the fraction is not of that form.</summary>
    public static int ChunksPerPass(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1)) return 0;
        double k = Math.Round(1 / fraction);
        return k <= 1 << 16 && Math.Abs(1 / fraction - k) < 1e-6 * k ? (int)k : 0;
    }

    private static double EpochFraction(double fraction) => ChunksPerPass(fraction) > 0 ? fraction
        : throw new ConfigException("epoch_fraction", $"epoch_fraction: {fraction.ToString(CultureInfo.InvariantCulture)}; expected 1/K for a whole K ≥ 1 (1, 0.5, 0.25, 0.2, 0.1…)");

    private static T Parsed<T>(string name) where T : struct, Enum => Enum.GetValues<T>().First(v => Name(v) == name);

    [GeneratedRegex(@"^(conv|dense)(\d+)_(filters|kernel|stride|padding|pool|units)$")]
    private static partial Regex LayerKnob();

    /// <summary>Typed access to raw knob values; every failure names the key and what was expected.</summary>
    private sealed class Reader(IReadOnlyDictionary<string, object> values)
    {
        public int Int(string key, int fallback, int min, int max)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            long n = v switch
            {
                int i => i,
                long l => l,
                short s => s,
                byte b => b,
                double d when d == Math.Floor(d) && Math.Abs(d) < 1e15 => (long)d,
                float f when f == MathF.Floor(f) && Math.Abs(f) < 1e15 => (long)f,
                _ => throw new ConfigException(key, $"{key}: {Describe(v)}; expected an integer in {min}..{max}"),
            };
            if (n < min || n > max) throw new ConfigException(key, $"{key}: {n}; expected an integer in {min}..{max}");
            return (int)n;
        }

        public double Double(string key, double fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            return v switch
            {
                double d => d,
                float f => f,
                long l => l,
                int i => i,
                decimal m => (double)m,
                _ => throw new ConfigException(key, $"{key}: {Describe(v)}; expected a number"),
            };
        }

        public bool Bool(string key, bool fallback)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            return v switch
            {
                bool b => b,
                string s when bool.TryParse(s, out var b) => b,
                _ => throw new ConfigException(key, $"{key}: {Describe(v)}; expected true or false"),
            };
        }

        public string Choice(string key, string fallback, string[] allowed)
        {
            if (!values.TryGetValue(key, out var v)) return fallback;
            if (v is string s && allowed.FirstOrDefault(a => string.Equals(a, s.Trim(), StringComparison.OrdinalIgnoreCase)) is { } match)
                return match;
            throw new ConfigException(key, $"{key}: {Describe(v)}; expected one of {string.Join(", ", allowed)}");
        }

        private static string Describe(object? v) => v switch
        {
            null => "null",
            string s => $"'{s}'",
            IFormattable f => $"{f.ToString(null, CultureInfo.InvariantCulture)} ({v.GetType().Name})",
            _ => $"{v} ({v.GetType().Name})",
        };
    }
}
