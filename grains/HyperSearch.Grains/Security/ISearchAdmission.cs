namespace HyperSearch.Grains.Security;

/// <summary>Decides whether the coordinator may start a spec: the host supplies the same checks its CLI runs, plus
/// what only the cluster knows (which programs command trials may run). An empty list admits the spec.</summary>
/// <remarks>Called off the grain scheduler: an implementation may read dataset files.</remarks>
public interface ISearchAdmission
{
    Task<IReadOnlyList<SpecError>> CheckAsync(SearchSpec spec, CancellationToken cancellationToken);
}

/// <summary>Admits every spec; for hosts without a spec checker (grain tests). Silos register the real one.</summary>
public sealed class AdmitAll : ISearchAdmission
{
    public Task<IReadOnlyList<SpecError>> CheckAsync(SearchSpec spec, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SpecError>>([]);
}
