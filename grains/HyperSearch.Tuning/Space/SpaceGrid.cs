namespace HyperSearch.Tuning.Space;

/// <summary>The cartesian product of every parameter's grid values, indexed like nested loops.</summary>
/// <remarks>Parameters are taken in the space's ordinal name order and the last one varies fastest
/// (like itertools.product), so index i names the same configuration on every run.</remarks>
public sealed class SpaceGrid
{
    private readonly string[] _names;
    private readonly IReadOnlyList<object>[] _values;

    /// <param name="space">The space to enumerate.</param>
    /// <param name="gridPoints">Points per continuous parameter (cell midpoints); 0 rejects continuous parameters.</param>
    public SpaceGrid(SearchSpace space, int gridPoints = 0)
    {
        _names = space.Parameters.Select(p => p.Key).ToArray();
        _values = space.Parameters.Select(p => p.Value.GridValues(gridPoints, p.Key)).ToArray();
        long count = 1;
        for (var i = 0; i < _values.Length; i++)
        {
            if (_values[i].Count == 0)
            {
                throw new ArgumentException($"parameter '{_names[i]}' has no values");
            }

            count = count > long.MaxValue / _values[i].Count
                ? throw new ArgumentException("the grid has more than 2^63 points")
                : count * _values[i].Count;
        }

        Count = count;
    }

    /// <summary>How many configurations the grid holds.</summary>
    public long Count { get; }

    /// <summary>The configuration at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public ParameterSet At(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var picked = new KeyValuePair<string, object>[_names.Length];
        for (var i = _names.Length - 1; i >= 0; i--)
        {
            var n = _values[i].Count;
            picked[i] = KeyValuePair.Create(_names[i], _values[i][(int)(index % n)]);
            index /= n;
        }

        return new ParameterSet(picked);
    }

    /// <summary>Every configuration, in index order.</summary>
    public IEnumerable<ParameterSet> All()
    {
        for (long i = 0; i < Count; i++)
        {
            yield return At(i);
        }
    }
}
