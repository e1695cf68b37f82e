using HyperSearch.Tuning.Space;
using HyperSearch.Tuning.Support;

namespace HyperSearch.Tuning.Samplers;

/// <summary>Walks the cartesian product of the domains in a fixed order.</summary>
/// <remarks>
/// Trial n gets the first grid point, in <see cref="SpaceGrid"/> order, that no other trial of the study holds,
/// so the walk needs no cursor of its own and resumes correctly after a restart; a failed or cancelled
/// configuration is not retried. Returns null when every point is taken.
/// Continuous domains are rejected unless <paramref name="gridPoints"/> &gt; 0, in which case each one
/// contributes that many cell midpoints (in log space for log-uniform ones).
/// </remarks>
public sealed class GridSampler(int gridPoints = 0) : ISampler
{
    public int GridPoints { get; } = gridPoints >= 0 ? gridPoints : throw new ArgumentOutOfRangeException(nameof(gridPoints));

    public ParameterSet? Suggest(StudyView study, int trialNumber)
    {
        var grid = new SpaceGrid(study.Space, GridPoints);
        var taken = StudyKeys.Taken(study, trialNumber);
        foreach (var point in grid.All())
        {
            if (!taken.Contains(point.Key))
            {
                return point;
            }
        }

        return null;
    }
}
