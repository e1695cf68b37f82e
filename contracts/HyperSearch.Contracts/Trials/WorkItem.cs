using HyperSearch.Contracts.Specs;

namespace HyperSearch.Contracts.Trials;

public enum WorkKind
{
    Train,
    EvaluateTest,
}

/// <summary>A lease on one unit of training work, handed to exactly one training slot.</summary>
/// <param name="LeaseToken">Fencing token of this lease: reports carrying any other token are rejected.</param>
/// <param name="CheckpointDirectory">Where this trial checkpoints every epoch (shared by all silos in a cluster).</param>
/// <param name="Resume">Continue from the last checkpoint instead of starting over.</param>
/// <param name="CloneFrom">Population Based Training: the donor's interval snapshot folder to start from instead of this
/// trial's own checkpoint (its weights and optimizer state, trained on with this item's parameters).</param>
[GenerateSerializer, Immutable, Alias("HyperSearch.WorkItem")]
public sealed record WorkItem(
    [property: Id(0)] string SearchId,
    [property: Id(1)] int TrialNumber,
    [property: Id(2)] int LeaseToken,
    [property: Id(3)] WorkKind Kind,
    [property: Id(4)] IReadOnlyDictionary<string, object> Parameters,
    [property: Id(5)] SearchSpec Spec,
    [property: Id(6)] string CheckpointDirectory,
    [property: Id(7)] bool Resume,
    [property: Id(8)] string? CloneFrom = null)
{
    /// <summary>The epochs this trial trains at most.</summary>
    public int EpochBudget => Spec.EpochsFor(Parameters);

    /// <summary>Fixed training knobs merged with the sampled ones (sampled win).</summary>
    public IReadOnlyDictionary<string, object> EffectiveParameters
    {
        get
        {
            var merged = new Dictionary<string, object>(Spec.Training, StringComparer.Ordinal);
            foreach (var (name, value) in Parameters)
            {
                merged[name] = value;
            }

            return merged;
        }
    }
}
