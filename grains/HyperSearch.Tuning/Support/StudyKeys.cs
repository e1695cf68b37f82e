using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Support;

/// <summary>The configurations a study already holds, for the "never suggest one twice" rule.</summary>
public static class StudyKeys
{
    /// <summary>Keys of every trial's configuration except trial <paramref name="excludeNumber"/>.</summary>
    /// <remarks>The trial being suggested is excluded so that a replayed view that already lists it
    /// (a restarted coordinator re-asking) gets the same answer rather than a different one.</remarks>
    public static IReadOnlySet<string> Taken(StudyView study, int excludeNumber)
    {
        if (study.TakenKeys is { } known && excludeNumber >= study.Trials.Count)
        {
            return known; // the excluded trial is not in the study yet, so the caller's set is exact
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trial in study.Trials)
        {
            if (trial.Number != excludeNumber)
            {
                keys.Add(trial.Parameters.Key);
            }
        }

        return keys;
    }
}
