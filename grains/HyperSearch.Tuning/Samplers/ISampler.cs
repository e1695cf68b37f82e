using HyperSearch.Tuning.Space;

namespace HyperSearch.Tuning.Samplers;

/// <summary>Answers "which configuration next?" from a read-only view of the study.</summary>
/// <remarks>
/// Samplers are pure: the suggestion is a function of the study view and the trial number alone
/// (randomness is seeded from <see cref="StudyView.Seed"/> and <paramref name="trialNumber"/>),
/// so a restarted coordinator that replays its trial table gets the same suggestions.
/// Running trials are in the view; a sampler must not hand every parallel worker the same point.
/// </remarks>
public interface ISampler
{
    /// <summary>The configuration for trial <paramref name="trialNumber"/>, or null when the space is exhausted.</summary>
    /// <remarks>Never returns a configuration already present in <see cref="StudyView.Trials"/>.</remarks>
    ParameterSet? Suggest(StudyView study, int trialNumber);
}
