using System.Diagnostics;
using System.Text.Json.Nodes;
using HyperSearch.Bench.Algorithms;
using HyperSearch.Bench.MultiObjective;
using HyperSearch.Tuning;
using HyperSearch.Tuning.MultiObjective;
using HyperSearch.Tuning.Samplers;

namespace HyperSearch.Bench;

/// <summary>Our multi-objective samplers (and the pruned variant) against Optuna 3.1's NSGA-II on the same two-objective
/// problems with equal epoch budgets.</summary>
/// <remarks>
/// Problems (MultiObjective/*Objective.cs, and the same in bench/optuna/mo_objectives.py, cross-checked at start-up):
/// the synthetic CNN curve's validation error against log10 of the network's parameter count, and ZDT1 on a mixed
/// space; both multi-fidelity. Each method runs trials sequentially until the budget in epochs is spent. The figure is
/// the hypervolume (both objectives minimized, fixed reference point per problem) of the noise-free final vectors of the
/// completed trials, computed by the same code for every method. Optuna cannot prune a multi-objective study, so its
/// trials all run to the end; our pruned variant (MO-TPE with ASHA on non-dominated rank) spends the same epochs on
/// more, shorter trials. Both NSGA-IIs use the same population size.
/// Last line: JSON with hypervolume_ratio = our MO-TPE's median hypervolume over Optuna NSGA-II's (the lowest over the
/// problems; per problem inside), hypervolume_ratio_nsga2 (NSGA-II against NSGA-II) and hypervolume_ratio_pruned.
/// </remarks>
internal static class MultiObjectiveBenchmark
{
    private const int Eta = 3;

    private static readonly (string Name, string Sampler, string Scheduler)[] Ours =
    [
        ("random", "random", "none"),
        ("nsga2", "nsga2", "none"),
        ("motpe", "motpe", "none"),
        ("motpe_asha", "motpe", "asha"),
        ("nsga2_asha", "nsga2", "asha"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        MoBenchSettings settings;
        IBiObjective[] objectives;
        try
        {
            settings = MoBenchSettings.Parse(args);
            objectives = settings.Objectives.Select(Objective).ToArray();
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var seeds = Enumerable.Range(0, settings.Seeds).ToArray();
        var checks = MoChecks.Build(objectives, settings.MaxEpochs);
        var clock = Stopwatch.StartNew();
        Task<JsonObject>? optuna = null;
        if (settings.OptunaMethods.Length > 0)
        {
            var script = FindScript();
            if (script is null || !OptunaPeer.Available())
            {
                Console.Error.WriteLine("optuna peer unavailable: install it with `apt-get install -y python3-optuna` (run by /usr/bin/python3), or pass --optuna-methods none");
                return 3;
            }

            optuna = OptunaPeer.RunAsync(script, new JsonObject
            {
                ["objectives"] = OptunaPeer.Array(settings.Objectives),
                ["methods"] = OptunaPeer.Array(settings.OptunaMethods),
                ["seeds"] = OptunaPeer.Array(seeds),
                ["max_epochs"] = settings.MaxEpochs,
                ["budget_epochs"] = settings.BudgetEpochs,
                ["population_size"] = settings.Population,
                ["checks"] = new JsonArray(checks.Select(c => c.Request).ToArray<JsonNode?>()),
            });
        }

        var results = new List<(string Objective, string Method, MoRunResult Result)>();
        foreach (var objective in objectives)
        {
            foreach (var (name, samplerName, schedulerName) in Ours)
            {
                foreach (var seed in seeds)
                {
                    var options = samplerName == "nsga2" ? new Dictionary<string, object> { ["population_size"] = settings.Population } : null;
                    var sampler = Tuning.Algorithms.CreateSampler(samplerName, options);
                    var scheduler = Tuning.Algorithms.CreateScheduler(schedulerName, schedulerName == "asha" ? new Dictionary<string, object> { ["reduction_factor"] = Eta } : null, settings.MaxEpochs);
                    results.Add((objective.Name, name, MoSearchSimulation.Run(objective, sampler, scheduler, seed, settings.MaxEpochs, settings.BudgetEpochs)));
                }
            }
        }

        var oursSeconds = clock.Elapsed.TotalSeconds;
        double? checkDiff = null;
        string? optunaVersion = null;
        if (optuna is not null)
        {
            var reply = await optuna;
            optunaVersion = reply["optuna_version"]?.GetValue<string>();
            checkDiff = MoChecks.MaxDifference(checks, reply["checks"]!.AsArray());
            foreach (var run in reply["runs"]!.AsArray())
            {
                var finals = run!["finals"]!.AsArray().Select(v => v!.AsArray().Select(x => x!.GetValue<double>()).ToArray()).ToArray();
                results.Add((run["objective"]!.GetValue<string>(), run["method"]!.GetValue<string>(),
                    new MoRunResult(finals, run["trials"]!.GetValue<int>(), run["epochs"]!.GetValue<int>(), run["seconds"]!.GetValue<double>())));
            }
        }

        return Report(settings, objectives, results, checkDiff, optunaVersion, oursSeconds, clock.Elapsed.TotalSeconds);
    }

    private static int Report(MoBenchSettings settings, IBiObjective[] objectives, List<(string Objective, string Method, MoRunResult Result)> results,
        double? checkDiff, string? optunaVersion, double oursSeconds, double totalSeconds)
    {
        Console.WriteLine($"multi-objective: {settings.Seeds} seeds, budget {settings.BudgetEpochs} epochs ({settings.BudgetTrials} full trials of {settings.MaxEpochs}), " +
            $"NSGA-II population {settings.Population}, eta {Eta}, sequential trials; optuna {optunaVersion ?? "not run"}");
        Console.WriteLine(checkDiff is { } d ? $"objective cross-check C# vs Python: max relative difference {d:E2}" : "objective cross-check: skipped (no Python peer)");
        Console.WriteLine($"{"problem",-11} {"method",-14} {"median HV",10} {"mean HV",9} {"q25",8} {"q75",8} {"front",6} {"trials",7} {"epochs",7} {"s/run",7}");
        var summary = new JsonObject();
        var ratios = new List<(double? MoTpe, double? Nsga2, double? Pruned)>();
        foreach (var objective in objectives)
        {
            var medians = new Dictionary<string, double>();
            foreach (var group in results.Where(r => r.Objective == objective.Name).GroupBy(r => r.Method))
            {
                var volumes = group.Select(r => Volume(objective, r.Result.Finals)).Order().ToArray();
                medians[group.Key] = Stats.Quantile(volumes, 0.5);
                var front = group.Average(r => Pareto.Front(r.Result.Finals.Select(f => (IReadOnlyList<double>)f.Select(v => -v).ToArray()).ToArray()).Length);
                Console.WriteLine($"{objective.Name,-11} {group.Key,-14} {medians[group.Key],10:G5} {volumes.Average(),9:G5} {Stats.Quantile(volumes, 0.25),8:G4} {Stats.Quantile(volumes, 0.75),8:G4} " +
                    $"{front,6:F1} {group.Average(r => r.Result.Trials),7:F1} {group.Average(r => r.Result.Epochs),7:F0} {group.Average(r => r.Result.Seconds),7:F2}");
            }

            var ratio = (Stats.Ratio(medians, "motpe", "optuna_nsga2"), Stats.Ratio(medians, "nsga2", "optuna_nsga2"), Stats.Ratio(medians, "motpe_asha", "optuna_nsga2"));
            ratios.Add(ratio);
            summary[objective.Name] = new JsonObject
            {
                ["median_hypervolume"] = new JsonObject(medians.Select(m => KeyValuePair.Create(m.Key, Stats.Json(m.Value)))),
                ["reference"] = OptunaPeer.Array(objective.Reference),
                ["hypervolume_ratio"] = Stats.Json(ratio.Item1),
                ["hypervolume_ratio_nsga2"] = Stats.Json(ratio.Item2),
                ["hypervolume_ratio_pruned"] = Stats.Json(ratio.Item3),
            };
        }

        var ok = checkDiff is null or < 1e-9;
        if (!ok)
        {
            Console.WriteLine("FAIL: the C# and Python objectives disagree; the comparison is void");
        }

        Console.WriteLine($"time: ours {oursSeconds:F0} s, total {totalSeconds:F0} s");
        Console.WriteLine(new JsonObject
        {
            ["benchmark"] = "multi-objective",
            ["seeds"] = settings.Seeds,
            ["budget_epochs"] = settings.BudgetEpochs,
            ["max_epochs"] = settings.MaxEpochs,
            ["population_size"] = settings.Population,
            ["optuna_version"] = optunaVersion,
            ["objective_check_max_rel_diff"] = checkDiff,
            ["ours"] = "motpe",
            ["hypervolume_ratio"] = Stats.Json(Lowest(ratios.Select(r => r.MoTpe))),
            ["hypervolume_ratio_nsga2"] = Stats.Json(Lowest(ratios.Select(r => r.Nsga2))),
            ["hypervolume_ratio_pruned"] = Stats.Json(Lowest(ratios.Select(r => r.Pruned))),
            ["problems"] = summary,
        }.ToJsonString());
        return ok ? 0 : 1;
    }

    /// <summary>Hypervolume of minimized vectors: negated into scores, against the negated reference.</summary>
    private static double Volume(IBiObjective objective, IReadOnlyList<double[]> finals) =>
        Hypervolume.Compute(finals.Select(f => (IReadOnlyList<double>)f.Select(v => -v).ToArray()).ToArray(), objective.Reference.Select(v => -v).ToArray());

    private static double? Lowest(IEnumerable<double?> values)
    {
        var known = values.ToArray();
        return known.Length == 0 || known.Any(v => v is null) ? null : known.Min();
    }

    private static IBiObjective Objective(string name) => name switch
    {
        "cnn_pareto" => new CnnParetoObjective(),
        "zdt_mixed" => new ZdtMixedObjective(),
        _ => throw new ArgumentException($"unknown problem '{name}' (known: cnn_pareto, zdt_mixed)"),
    };

    private static string? FindScript()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "optuna", "run_optuna_mo.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
