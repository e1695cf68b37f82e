namespace HyperSearch.Grains.Search;

/// <summary>Coordinator settings shared by every search on a cluster (configuration section HyperSearch:Coordinator).</summary>
public sealed class CoordinatorOptions
{
    /// <summary>A running trial whose slot has not reported for this long is requeued (its silo is presumed dead).</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a busy slot renews its lease between epoch reports.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the coordinator checks time budgets and leases.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The least time between two state writes of one coordinator. Bounds the storage write rate of a busy
    /// search (each write then carries every change since the last); completions are acknowledged to slots before they
    /// are written and confirmed after, so this delays no trial.</summary>
    public TimeSpan WriteSpacing { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The least time between two writes that carry only changes nobody waits for: epoch reports, and
    /// outcomes that slots confirm later (within <c>10 × WriteSpacing + 0.5 s</c>, so this stays well inside that).
    /// Every write carries the trials still running, so with a thousand running a write every 50 ms re-encoded
    /// 20,000 trials a second.</summary>
    public TimeSpan LazyWriteSpacing => WriteSpacing * 5;

    /// <summary>When a search finishes, the checkpoints of its best this-many completed trials are kept (the winner
    /// always) and the others deleted; negative keeps everything.</summary>
    public int KeepCheckpoints { get; set; } = 3;

    /// <summary>Period of the coordinator reminder that reactivates an unfinished search after a full restart
    /// (Orleans enforces at least one minute).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requeue every running trial when a search activates: right for a single-process silo whose state outlived
    /// it (nothing else can be running those trials), so a resumed run need not wait out <see cref="LeaseTimeout"/>.</summary>
    public bool RequeueRunningOnActivation { get; set; }

    /// <summary>Root of the per-search checkpoint folders; every training silo must see the same files.</summary>
    public string CheckpointDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "hypersearch", "checkpoints");
}
