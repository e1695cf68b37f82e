using HyperSearch.Silo.Hosting;

namespace HyperSearch.Cluster.Tests;

internal static class Ports
{
    /// <summary>A port for a silo or redis-server to bind: see <see cref="LoopbackPorts"/> for why not port 0.</summary>
    public static int Free() => LoopbackPorts.Reserve();
}
