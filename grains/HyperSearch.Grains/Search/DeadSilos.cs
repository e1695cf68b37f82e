namespace HyperSearch.Grains.Search;

/// <summary>Names of silos the cluster declared dead and no live silo uses: their trials are requeued at once rather
/// than after the lease, so recovery is bounded by Orleans' failure detection when that is the faster.</summary>
internal static class DeadSilos
{
    public static readonly IReadOnlySet<string> None = new HashSet<string>();

    public static IReadOnlySet<string> In(IClusterMembershipService? membership)
    {
        if (membership is null)
        {
            return None;
        }

        var members = membership.CurrentSnapshot.Members.Values;
        var dead = members.Where(m => m.Status == SiloStatus.Dead).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        dead.ExceptWith(members.Where(m => m.Status != SiloStatus.Dead).Select(m => m.Name));
        return dead;
    }
}
