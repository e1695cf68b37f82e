using System.Globalization;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>Command-line settings of the multi-objective benchmark.</summary>
internal sealed record MoBenchSettings(int Seeds, int BudgetTrials, int MaxEpochs, int Population, string[] Objectives, string[] OptunaMethods)
{
    public const string Usage =
        "multi-objective [--seeds N=20] [--budget FULL_TRIALS=60] [--max-epochs R=9] [--population P=20]\n" +
        "                [--objectives cnn_pareto,zdt_mixed] [--optuna-methods optuna_nsga2,optuna_motpe | none]";

    public int BudgetEpochs => BudgetTrials * MaxEpochs;

    public static MoBenchSettings Parse(string[] args)
    {
        var settings = new MoBenchSettings(20, 60, 9, 20, ["cnn_pareto", "zdt_mixed"], ["optuna_nsga2", "optuna_motpe"]);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value\n{Usage}");
            settings = args[i] switch
            {
                "--seeds" => settings with { Seeds = Positive(args[i], value) },
                "--budget" => settings with { BudgetTrials = Positive(args[i], value) },
                "--max-epochs" => settings with { MaxEpochs = Positive(args[i], value) },
                "--population" => settings with { Population = Positive(args[i], value) },
                "--objectives" => settings with { Objectives = List(value) },
                "--optuna-methods" => settings with { OptunaMethods = value == "none" ? [] : List(value) },
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

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
