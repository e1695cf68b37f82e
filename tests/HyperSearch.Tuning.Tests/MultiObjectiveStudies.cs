using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Tests;

/// <summary>A sequential multi-objective search loop for the tests, as a coordinator with one worker would run it.</summary>
internal static class MultiObjectiveStudies
{
    public static TrialView Trial(int number, ParameterSet parameters, TrialStatus status, params double[][] vectors) =>
        new(number, parameters, status, vectors.Select(v => v[0]).ToArray()) { ObjectiveCurve = vectors };

    public static StudyView View(SearchSpace space, IReadOnlyList<TrialView> trials, Direction[] directions, int seed = 1, int maxResource = 9) =>
        new(space, trials, directions[0], seed, maxResource) { Directions = directions };

    public static StudyView Run(
        ISampler sampler, ITrialScheduler scheduler, SearchSpace space, Direction[] directions,
        Func<ParameterSet, int, double[]> valueAtEpoch, int trials, int maxResource, int seed)
    {
        var done = new List<TrialView>();
        for (var n = 0; n < trials; n++)
        {
            if (sampler.Suggest(View(space, done.ToArray(), directions, seed, maxResource), n) is not { } p)
            {
                break;
            }

            var vectors = new List<double[]>();
            var status = TrialStatus.Completed;
            for (var epoch = 1; epoch <= maxResource; epoch++)
            {
                vectors.Add(valueAtEpoch(p, epoch));
                var running = Trial(n, p, TrialStatus.Running, [.. vectors]);
                if (epoch < maxResource && scheduler.OnReport(View(space, [.. done, running], directions, seed, maxResource), running) == SchedulerDecision.Stop)
                {
                    status = TrialStatus.Pruned;
                    break;
                }
            }

            done.Add(Trial(n, p, status, [.. vectors]));
        }

        return View(space, done.ToArray(), directions, seed, maxResource);
    }
}
