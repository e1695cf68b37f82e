using System.Diagnostics;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.MultiObjective;

/// <summary>The outcome of one simulated two-objective search.</summary>
/// <param name="Finals">Noise-free final objective vectors of the completed trials.</param>
internal sealed record MoRunResult(IReadOnlyList<double[]> Finals, int Trials, int Epochs, double Seconds);

/// <summary>Runs one search as a coordinator with one worker would, and as run_optuna_mo.py does for Optuna.</summary>
/// <remarks>Trials run one after another: suggest, report the objective vector epoch by epoch until the scheduler stops
/// the trial or it reaches the last epoch, and start another while fewer than the budget's epochs are spent.</remarks>
internal static class MoSearchSimulation
{
    private static readonly Direction[] BothMinimized = [Direction.Minimize, Direction.Minimize];

    public static MoRunResult Run(IBiObjective objective, ISampler sampler, ITrialScheduler scheduler, int seed, int maxEpochs, int budgetEpochs)
    {
        var clock = Stopwatch.StartNew();
        var done = new List<TrialView>();
        var finals = new List<double[]>();
        var used = 0;
        while (used < budgetEpochs)
        {
            var number = done.Count;
            if (sampler.Suggest(View(objective, done, seed, maxEpochs), number) is not { } x)
            {
                break;
            }

            var vectors = new List<double[]>(maxEpochs);
            var status = TrialStatus.Completed;
            for (var epoch = 1; epoch <= maxEpochs; epoch++)
            {
                vectors.Add(objective.Value(x, epoch, maxEpochs, seed, number));
                used++;
                var running = Trial(number, x, TrialStatus.Running, vectors);
                if (epoch < maxEpochs && scheduler.OnReport(View(objective, [.. done, running], seed, maxEpochs), running) == SchedulerDecision.Stop)
                {
                    status = TrialStatus.Pruned;
                    break;
                }
            }

            done.Add(Trial(number, x, status, vectors));
            if (status == TrialStatus.Completed)
            {
                finals.Add(objective.Final(x));
            }
        }

        return new MoRunResult(finals, done.Count, used, clock.Elapsed.TotalSeconds);
    }

    private static StudyView View(IBiObjective objective, IReadOnlyList<TrialView> trials, int seed, int maxEpochs) =>
        new(objective.Space, trials, Direction.Minimize, seed, maxEpochs) { Directions = BothMinimized };

    private static TrialView Trial(int number, ParameterSet x, TrialStatus status, List<double[]> vectors) =>
        new(number, x, status, vectors.Select(v => v[0]).ToArray()) { ObjectiveCurve = vectors.ToArray() };
}
