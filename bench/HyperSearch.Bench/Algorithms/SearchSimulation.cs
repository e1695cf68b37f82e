using System.Diagnostics;
using HyperSearch.Tuning;
using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Bench.Algorithms;

/// <summary>The outcome of one simulated search.</summary>
/// <param name="Regret">final(incumbent) - optimum, noise-free.</param>
/// <param name="Trials">Trials started.</param>
/// <param name="Epochs">Epochs spent (may pass the budget by less than one trial).</param>
internal sealed record RunResult(double Regret, int Trials, int Epochs, double Seconds);

/// <summary>Runs one search the way a coordinator with one worker would, and the way run_optuna.py does.</summary>
/// <remarks>
/// Trials run one after another: suggest, report epoch by epoch until the scheduler stops the trial or it reaches
/// the last epoch, and start another while fewer than the budget's epochs are spent. The incumbent is the completed
/// trial with the best observed final value, as a user would pick it.
/// </remarks>
internal static class SearchSimulation
{
    public static RunResult Run(IBenchObjective objective, ISampler sampler, ITrialScheduler scheduler, int seed, int maxEpochs, int budgetEpochs)
    {
        var clock = Stopwatch.StartNew();
        var done = new List<TrialView>();
        var used = 0;
        (double Value, ParameterSet X)? best = null;
        while (used < budgetEpochs)
        {
            var number = done.Count;
            if (sampler.Suggest(new StudyView(objective.Space, done, Direction.Minimize, seed, maxEpochs), number) is not { } x)
            {
                break;
            }

            var curve = new List<double>(maxEpochs);
            var status = TrialStatus.Completed;
            for (var epoch = 1; epoch <= maxEpochs; epoch++)
            {
                curve.Add(objective.Value(x, epoch, maxEpochs, seed, number));
                used++;
                var running = new TrialView(number, x, TrialStatus.Running, curve);
                var view = new StudyView(objective.Space, new Appended(done, running), Direction.Minimize, seed, maxEpochs);
                if (epoch < maxEpochs && scheduler.OnReport(view, running) == SchedulerDecision.Stop)
                {
                    status = TrialStatus.Pruned;
                    break;
                }
            }

            done.Add(new TrialView(number, x, status, curve.ToArray()));
            if (status == TrialStatus.Completed && (best is null || curve[^1] < best.Value.Value))
            {
                best = (curve[^1], x);
            }
        }

        var regret = best is { } b ? objective.Final(b.X) - objective.Optimum : double.NaN;
        return new RunResult(regret, done.Count, used, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The finished trials plus the running one, without copying the list on every report.</summary>
    private sealed class Appended(List<TrialView> head, TrialView last) : IReadOnlyList<TrialView>
    {
        public int Count => head.Count + 1;

        public TrialView this[int index] => index == head.Count ? last : head[index];

        public IEnumerator<TrialView> GetEnumerator()
        {
            foreach (var t in head)
            {
                yield return t;
            }

            yield return last;
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
