using HyperSearch.Tuning;
using HyperSearch.Tuning.Space;

namespace HyperSearch.Grains.Search;

/// <summary>Translates the wire form of a spec into the tuning library's view of a study.</summary>
public static class SpaceMapping
{
    public static SearchSpace ToSearchSpace(IEnumerable<ParameterSpec> space) =>
        new(space.Select(p => KeyValuePair.Create(p.Name, ToDomain(p))));

    public static Domain ToDomain(ParameterSpec p) => p.Kind switch
    {
        ParameterKind.Fixed => new Fixed(p.Values![0]),
        ParameterKind.Choice => new Choice(p.Values!),
        ParameterKind.IntRange => new IntRange((long)p.Low, (long)p.High, p.Log),
        ParameterKind.Uniform => new Uniform(p.Low, p.High),
        ParameterKind.LogUniform => new LogUniform(p.Low, p.High),
        _ => throw new ArgumentOutOfRangeException(nameof(p), p.Kind, "unknown parameter kind"),
    };

    public static TrialStatus ToStatus(TrialState state) => state switch
    {
        TrialState.Waiting => TrialStatus.Waiting,
        TrialState.Running => TrialStatus.Running,
        TrialState.Completed => TrialStatus.Completed,
        TrialState.Pruned => TrialStatus.Pruned,
        TrialState.Failed => TrialStatus.Failed,
        _ => TrialStatus.Cancelled,
    };
}
