namespace HyperSearch.Contracts.Trials;

/// <summary>What ranks a trial: its objective, then its size, then its number.</summary>
public readonly record struct RankKey(double? Objective, long? ParameterCount, int Number);

/// <summary>The one definition of "better trial", used by the coordinator (who wins), checkpoint retention (whose
/// checkpoints stay) and the leaderboard (in which order trials are listed).</summary>
/// <remarks>Better objective first (higher when maximizing); ties go to fewer parameters (unknown counts last), then to
/// the earlier trial. A missing or non-finite objective cannot be ranked and comes after every finite one.</remarks>
public static class TrialRanking
{
    /// <summary>Negative when <paramref name="a"/> ranks before (is better than) <paramref name="b"/>.</summary>
    public static int Compare(RankKey a, RankKey b, bool maximize)
    {
        var (aRanked, bRanked) = (IsRankable(a.Objective), IsRankable(b.Objective));
        if (aRanked != bRanked)
        {
            return aRanked ? -1 : 1;
        }

        if (aRanked && a.Objective!.Value != b.Objective!.Value)
        {
            var better = maximize ? a.Objective.Value > b.Objective.Value : a.Objective.Value < b.Objective.Value;
            return better ? -1 : 1;
        }

        var bySize = (a.ParameterCount ?? long.MaxValue).CompareTo(b.ParameterCount ?? long.MaxValue);
        return bySize != 0 ? bySize : a.Number.CompareTo(b.Number);
    }

    /// <summary>Whether <paramref name="candidate"/> can be ranked and beats <paramref name="incumbent"/> (null: nobody yet).</summary>
    public static bool IsBetter(RankKey candidate, RankKey? incumbent, bool maximize) =>
        IsRankable(candidate.Objective) && (incumbent is not { } other || Compare(candidate, other, maximize) < 0);

    /// <summary>A comparer for sorting best first.</summary>
    public static IComparer<RankKey> BestFirst(bool maximize) =>
        Comparer<RankKey>.Create((a, b) => Compare(a, b, maximize));

    public static bool IsRankable(double? objective) => objective is { } value && double.IsFinite(value);
}
