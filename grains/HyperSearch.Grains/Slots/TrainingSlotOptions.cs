namespace HyperSearch.Grains.Slots;

/// <summary>Whether this silo trains, and how many trials it runs at once (configuration section HyperSearch:Training).</summary>
public sealed class TrainingSlotOptions
{
    /// <summary>A silo configured without training (a coordinator-only node) never runs a trial.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent trials on this silo: one per GPU; on CPU one by default, using every core.</summary>
    public int Slots { get; set; } = 1;

    /// <summary>How long an idle slot parks on the registry before asking again.</summary>
    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a report to a coordinator with no call of this silo in flight waits for others to join it.
    /// Reports that arrive while a call is in flight go in the next call anyway; this also gathers the ones that come
    /// just after. In bench scale (a), 1,024 slots reporting every 100 ms, 20 ms made five to seven times fewer calls
    /// (54,000–69,000 → 8,500–13,700) and brought the makespan's overhead to a median of 0.018 in 13 runs, against
    /// 0.020 in 9 without. A decision comes that much later, which a trainer does not wait for (it trains on
    /// meanwhile). Zero: at once.</summary>
    public TimeSpan EpochReportLinger { get; set; } = TimeSpan.FromMilliseconds(20);
}
