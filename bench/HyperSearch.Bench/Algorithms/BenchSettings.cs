using System.Globalization;

namespace HyperSearch.Bench.Algorithms;

/// <summary>Command-line settings of the algorithms benchmark.</summary>
internal sealed record BenchSettings(
    int Seeds, int BudgetTrials, int MaxEpochs, string[] Objectives, string[] OptunaMethods, string? OptunaScript, Dictionary<string, object> TpeOptions)
{
    public const string Usage =
        "algorithms [--seeds N=20] [--budget FULL_TRIALS=30] [--max-epochs R=27] [--objectives cnn_curve,branin,hartmann6]\n" +
        "           [--optuna-methods optuna_random,optuna_tpe_hyperband,optuna_tpe_asha | none] [--optuna-script PATH]\n" +
        "           [--tpe-options name=value,... (our TPE's snake_case options, e.g. multivariate=true)]";

    public int BudgetEpochs => BudgetTrials * MaxEpochs;

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings(20, 30, 27, ["cnn_curve", "branin", "hartmann6"],
            ["optuna_random", "optuna_tpe_hyperband", "optuna_tpe_asha"], null, []);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            settings = args[i] switch
            {
                "--seeds" => settings with { Seeds = Positive(args[i], value) },
                "--budget" => settings with { BudgetTrials = Positive(args[i], value) },
                "--max-epochs" => settings with { MaxEpochs = Positive(args[i], value) },
                "--objectives" => settings with { Objectives = List(value) },
                "--optuna-methods" => settings with { OptunaMethods = value == "none" ? [] : List(value) },
                "--optuna-script" => settings with { OptunaScript = value },
                "--tpe-options" => settings with { TpeOptions = Pairs(value) },
                _ => throw new ArgumentException($"unknown option {args[i]}\n{Usage}"),
            };
            i++;
        }

        return settings;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, got '{value}'");

    /// <summary>name=value pairs; values stay strings, which the algorithm factory converts and checks.</summary>
    private static Dictionary<string, object> Pairs(string value) => List(value)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => p[0], p => (object)(p.Length == 2 ? p[1] : throw new ArgumentException($"--tpe-options: '{p[0]}' needs =value")));

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
