using HyperSearch.Silo.Hosting;

namespace HyperSearch.Monitoring.Tests.Support;

internal static class Loopback
{
    /// <summary>
    /// A TCP port on 127.0.0.1 for a child process (silo, Prometheus) to bind: outside the kernel's ephemeral
    /// range and held for this test run, so neither another connection nor another test process takes it
    /// between now and the child's bind (see <see cref="LoopbackPorts"/>).
    /// </summary>
    public static int FreePort() => LoopbackPorts.Reserve();
}
