using HyperSearch.Tuning.Samplers;
using HyperSearch.Tuning.Schedulers;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Tests;

/// <summary>Builders for study views and a tiny sequential search loop, shared by the tests.</summary>
internal static class Studies
{
    public static SearchSpace SpaceOf(params (string Name, Domain Domain)[] parameters) =>
        new(parameters.Select(p => KeyValuePair.Create(p.Name, p.Domain)));

    public static ParameterSet Params(params (string Name, object Value)[] values) =>
        new(values.Select(v => KeyValuePair.Create(v.Name, v.Value)));

    public static TrialView Trial(int number, ParameterSet parameters, TrialStatus status, params double[] curve) =>
        new(number, parameters, status, curve);

    /// <summary>A trial whose parameters are just its number (for scheduler tests, where parameters do not matter).</summary>
    public static TrialView Trial(int number, TrialStatus status, params double[] curve) =>
        Trial(number, Params(("id", (long)number)), status, curve);

    public static StudyView View(IEnumerable<TrialView> trials, SearchSpace? space = null, Direction direction = Direction.Maximize, int seed = 1, int maxResource = 27) =>
        new(space ?? SpaceOf(("id", new IntRange(0, 1000))), trials.OrderBy(t => t.Number).ToArray(), direction, seed, maxResource);

    /// <summary>Runs trials one after another, each to the end or until the scheduler stops it, as a coordinator would.</summary>
    public static StudyView Run(
        ISampler sampler, ITrialScheduler scheduler, SearchSpace space, Func<ParameterSet, int, double> valueAtEpoch,
        int trials, int maxResource, int seed, Direction direction = Direction.Maximize)
    {
        var done = new List<TrialView>();
        for (var n = 0; n < trials; n++)
        {
            var view = new StudyView(space, done.ToArray(), direction, seed, maxResource);
            if (sampler.Suggest(view, n) is not { } p)
            {
                break;
            }

            var curve = new List<double>();
            var status = TrialStatus.Completed;
            for (var epoch = 1; epoch <= maxResource; epoch++)
            {
                curve.Add(valueAtEpoch(p, epoch));
                var running = new TrialView(n, p, TrialStatus.Running, curve.ToArray());
                var decision = scheduler.OnReport(new StudyView(space, [.. done, running], direction, seed, maxResource), running);
                if (decision == SchedulerDecision.Stop && epoch < maxResource)
                {
                    status = TrialStatus.Pruned;
                    break;
                }
            }

            done.Add(new TrialView(n, p, status, curve.ToArray()));
        }

        return new StudyView(space, done.ToArray(), direction, seed, maxResource);
    }
}
