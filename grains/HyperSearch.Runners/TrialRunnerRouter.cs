
namespace HyperSearch.Runners;

/// <summary>Sends command trials to the command runner and everything else to the built-in trainer.</summary>
/// <param name="allowedPrograms">When set (cluster mode), the only programs a command trial may run; the
/// coordinator refuses other specs, and this refuses them again on the silo that would run them (a spec admitted
/// by a silo with a longer list, say).</param>
public sealed class TrialRunnerRouter(ITrialRunner builtIn, ITrialRunner command, IReadOnlyCollection<string>? allowedPrograms = null) : ITrialRunner
{
    public Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken)
    {
        if (work.Spec.Trainer.IsCommand && allowedPrograms is not null && !allowedPrograms.Contains(work.Spec.Trainer.Command![0]))
        {
            return Task.FromResult(new TrialOutcomeReport(TrialState.Failed,
                CommandAllowList.Refusal(work.Spec.Trainer.Command[0], allowedPrograms), null));
        }

        return Pick(work).RunAsync(work, onEpoch, cancellationToken);
    }

    public Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken) =>
        Pick(work).EvaluateTestAsync(work, cancellationToken);

    private ITrialRunner Pick(WorkItem work) => work.Spec.Trainer.IsCommand ? command : builtIn;
}
