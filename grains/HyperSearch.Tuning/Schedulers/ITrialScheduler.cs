namespace HyperSearch.Tuning.Schedulers;

public enum SchedulerDecision
{
    Continue,
    Stop,
}

/// <summary>Answers "continue or stop?" each time a running trial reports its objective after some resource.</summary>
/// <remarks>Pure like samplers: the decision is a function of the study view (which already holds the new report
/// in the trial's curve), so decisions survive a coordinator restart.</remarks>
public interface ITrialScheduler
{
    SchedulerDecision OnReport(StudyView study, TrialView trial);
}

/// <summary>Never stops a trial early (the "FIFO" scheduler).</summary>
public sealed class NoStoppingScheduler : ITrialScheduler
{
    public SchedulerDecision OnReport(StudyView study, TrialView trial) => SchedulerDecision.Continue;
}
