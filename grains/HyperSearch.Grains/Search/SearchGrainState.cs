namespace HyperSearch.Grains.Search;

/// <summary>The coordinator's state: the spec, the search's header fields and the trial table. Stored as a snapshot
/// plus a journal of recent changes (see <see cref="Persistence.SearchStateStore"/>).</summary>
[GenerateSerializer, Alias("HyperSearch.SearchGrainState")]
public sealed class SearchGrainState
{
    [Id(0)] public SearchSpec? Spec { get; set; }

    /// <summary>The trial table in memory; stored as <see cref="TrialTable"/> in a snapshot.</summary>
    [field: NonSerialized]
    public List<TrialEntry> Trials { get; set; } = [];

    /// <summary>Length-prefixed serialized trials, in trial order: filled in snapshot copies only, empty in the live state.</summary>
    [Id(1)] public byte[] TrialTable { get; set; } = [];
    [Id(2)] public SearchState State { get; set; }
    [Id(3)] public string? StopReason { get; set; }
    [Id(4)] public DateTimeOffset StartedAt { get; set; }
    [Id(5)] public DateTimeOffset? EndedAt { get; set; }
    [Id(6)] public TestResult? Test { get; set; }
    [Id(7)] public int? WinnerNumber { get; set; }
    [Id(8)] public bool SamplerExhausted { get; set; }
    [Id(9)] public int EvaluationAttempt { get; set; }
    [Id(10)] public bool EvaluationLeased { get; set; }
    /// <summary>Set once a stop condition holds: no new trials; running ones are cancelled.</summary>
    [Id(11)] public SearchState? FinalStateAfterStop { get; set; }
    [Id(12)] public string CheckpointRoot { get; set; } = "";
    [Id(13)] public string? EvaluationFailure { get; set; }

    /// <summary>Bumped each time the coordinator activates. Lease tokens embed it, so a lease handed out by an
    /// activation that died before persisting it can never collide with one handed out later.</summary>
    [Id(14)] public int Generation { get; set; }

    [Id(15)] public int EvaluationToken { get; set; }

    /// <summary>Which snapshot this state was written as; a journal applies only to the snapshot of its version.</summary>
    [Id(16)] public int SnapshotVersion { get; set; }

    /// <summary>Population Based Training: the latest interval epoch whose exploit/explore round is done; members
    /// paused at a later interval wait for the rest of the population.</summary>
    [Id(17)] public int PbtDecidedEpoch { get; set; }
}

[GenerateSerializer, Alias("HyperSearch.TrialEntry")]
public sealed class TrialEntry
{
    [Id(0)] public int Number { get; set; }
    [Id(1)] public Dictionary<string, object> Parameters { get; set; } = [];
    [Id(2)] public TrialState State { get; set; }
    [Id(3)] public int Attempt { get; set; }
    [Id(4)] public List<EpochMetrics> Epochs { get; set; } = [];
    [Id(5)] public string? FailureReason { get; set; }
    [Id(6)] public long? ParameterCount { get; set; }
    [Id(7)] public string? Worker { get; set; }
    [Id(8)] public DateTimeOffset? StartedAt { get; set; }
    [Id(9)] public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The fencing token of the current lease: generation × 10,000 + attempt.</summary>
    [Id(10)] public int LeaseToken { get; set; }

    /// <summary>Population Based Training: the last interval epoch this trial paused at (0: none yet).</summary>
    [Id(11)] public int PausedEpoch { get; set; }

    /// <summary>The lease token of the attempt that paused at <see cref="PausedEpoch"/>: it names that interval's snapshot.</summary>
    [Id(12)] public int PausedToken { get; set; }

    /// <summary>The donor snapshot folder the next attempt starts from; cleared once an attempt reports the clone check.</summary>
    [Id(13)] public string? CloneFrom { get; set; }

    /// <summary>Who this trial cloned, at which epoch, with which new values (Population Based Training).</summary>
    [Id(14)] public List<LineageEntry> Lineage { get; set; } = [];

    /// <summary>Every lease of this trial in order: which slot ran which attempt.</summary>
    [Id(15)] public List<TrialAttempt> Attempts { get; set; } = [];

    /// <summary>A command trial's stderr tail, from the attempt that ended the trial.</summary>
    [Id(16)] public string? StderrTail { get; set; }
}
