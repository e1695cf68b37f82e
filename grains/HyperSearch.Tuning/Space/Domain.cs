namespace HyperSearch.Tuning.Space;

/// <summary>The set of values one hyperparameter may take.</summary>
/// <remarks>Values are <see cref="long"/>, <see cref="double"/>, <see cref="string"/> or <see cref="bool"/> only,
/// so configurations compare, hash and serialize the same everywhere.</remarks>
public abstract record Domain
{
    /// <summary>True when the domain has finitely many values (grid search can enumerate it).</summary>
    public abstract bool IsFinite { get; }
}

/// <summary>One of a list of values (categorical).</summary>
public sealed record Choice(IReadOnlyList<object> Values) : Domain
{
    public override bool IsFinite => true;
    public bool Equals(Choice? other) => other is not null && Values.SequenceEqual(other.Values);
    public override int GetHashCode() => Values.Aggregate(17, (h, v) => h * 31 + v.GetHashCode());
}

/// <summary>An integer in [Low, High], both inclusive; sampled on a log scale when <see cref="Log"/> is set.</summary>
public sealed record IntRange(long Low, long High, bool Log = false) : Domain
{
    public override bool IsFinite => true;
}

/// <summary>A real number in [Low, High).</summary>
public sealed record Uniform(double Low, double High) : Domain
{
    public override bool IsFinite => false;
}

/// <summary>A real number in [Low, High) sampled uniformly in log space (both bounds positive).</summary>
public sealed record LogUniform(double Low, double High) : Domain
{
    public override bool IsFinite => false;
}

/// <summary>A single value that never varies.</summary>
public sealed record Fixed(object Value) : Domain
{
    public override bool IsFinite => true;
}
