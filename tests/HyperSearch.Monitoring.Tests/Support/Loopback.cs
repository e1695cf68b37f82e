using System.Net;
using System.Net.Sockets;

namespace HyperSearch.Monitoring.Tests.Support;

internal static class Loopback
{
    private static readonly HashSet<int> Handed = [];

    /// <summary>A TCP port on 127.0.0.1 that is free now and not handed out before by this test run.</summary>
    public static int FreePort()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Handed)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
