using HyperSearch.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace HyperSearch.Grains.Trials;

/// <summary>Relays one attempt's epoch reports from its runner to the coordinator and hands back the coordinator's
/// decision; keeps the curve the attempt saw and the last decision, which says how the attempt's outcome is told.</summary>
internal sealed class EpochRelay(EpochReportBatcher reports, WorkItem work, HyperSearchMetrics telemetry, ILogger logger)
{
    private readonly List<EpochMetrics> _curve = [];

    /// <summary>Every epoch the attempt reported, by epoch number (a re-reported epoch replaces the later ones).</summary>
    public IReadOnlyList<EpochMetrics> Curve => _curve;

    /// <summary>The coordinator's last answer; Fenced also when it stayed unreachable past the lease.</summary>
    public EpochDecision LastDecision { get; private set; } = EpochDecision.Continue;

    /// <summary>The runner's <c>onEpoch</c>: reports the epoch and returns the decision (anything but Continue stops).</summary>
    public async Task<EpochDecision> ReportAsync(EpochMetrics metrics)
    {
        EpochCurve.Place(_curve, metrics);
        telemetry.EpochReported(work.SearchId, work.TrialNumber, metrics);
        if (metrics.Epoch >= work.EpochBudget)
        {
            // The last epoch needs no decision: the outcome that follows at once carries it (one round trip saved per trial).
            return EpochDecision.Continue;
        }

        try
        {
            LastDecision = await reports.ReportAsync(work.SearchId, work.TrialNumber, work.LeaseToken, metrics);
        }
        catch (Exception e)
        {
            // The coordinator stayed unreachable past the lease (the batcher retried its call): another attempt will own the trial.
            logger.LogWarning(e, "trial {Search}/{Trial} lease {LeaseToken}: coordinator unreachable; abandoning the attempt", work.SearchId, work.TrialNumber, work.LeaseToken);
            LastDecision = EpochDecision.Fenced;
        }

        return LastDecision;
    }
}
