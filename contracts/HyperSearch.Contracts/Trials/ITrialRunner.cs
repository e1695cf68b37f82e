namespace HyperSearch.Contracts.Trials;

/// <summary>Does the heavy work of a trial: the built-in CNN trainer, a black-box command, or a test double.</summary>
/// <remarks>Implementations know nothing about Orleans. The trial grain calls them on a thread-pool thread,
/// never on the grain scheduler, and passes reports on to the coordinator.</remarks>
public interface ITrialRunner
{
    /// <summary>Trains one attempt. <paramref name="onEpoch"/> returns the coordinator's decision on the epoch; anything
    /// but <see cref="EpochDecision.Continue"/> stops the attempt (the result is then Pruned). A runner need not wait for
    /// it before training on (the built-in trainer does not: a stop ends the next epoch where it is), but it reports the
    /// next epoch only after the decision said go on.</summary>
    /// <returns>Completed, Pruned, Failed (with a reason) or Cancelled; never throws for a training failure.</returns>
    Task<TrialOutcomeReport> RunAsync(WorkItem work, Func<EpochMetrics, Task<EpochDecision>> onEpoch, CancellationToken cancellationToken);

    /// <summary>Evaluates the trial's final model once on the test split.</summary>
    Task<TestResult> EvaluateTestAsync(WorkItem work, CancellationToken cancellationToken);
}
