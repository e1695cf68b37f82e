using HyperSearch.Contracts.Trials;
using HyperSearch.Grains.Trials;

namespace HyperSearch.Silo.Runners;

/// <summary>Sends command trials to the command runner and everything else to the built-in trainer.</summary>
public sealed class TrialRunnerRouter(ITrialRunner builtIn, ITrialRunner command) : ITrialRunner
{
    public Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<bool>> onEpoch, CancellationToken cancellationToken) =>
        Pick(work).RunAsync(work, onEpoch, cancellationToken);

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Pick(work).EvaluateTestAsync(work, cancellationToken);

    private ITrialRunner Pick(WorkItem work) => work.Spec.Trainer.IsCommand ? command : builtIn;
}
