namespace HyperSearch.Tuning.Space;

/// <summary>Named hyperparameter domains, iterated in ordinal name order so that seeded samplers are deterministic.</summary>
public sealed class SearchSpace
{
    public SearchSpace(IEnumerable<KeyValuePair<string, Domain>> parameters)
    {
        Parameters = parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<KeyValuePair<string, Domain>> Parameters { get; }
}
