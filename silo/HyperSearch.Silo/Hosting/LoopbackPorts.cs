using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace HyperSearch.Silo.Hosting;

/// <summary>
/// TCP ports on 127.0.0.1 for programs that must be told their port before they bind it: an Orleans silo
/// advertises its silo port, so it cannot bind port 0 and report back. A port taken from port 0 and released
/// lies in the kernel's ephemeral range, where any outgoing connection may be given it before the silo binds
/// it. These come from below that range instead (the kernel never hands them out by itself), are checked free
/// by binding, and are held by a lock file for the life of this process, so that concurrent HyperSearch
/// processes (CLIs, test runs) never choose the same one.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly ConcurrentBag<FileStream> Held = [];
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "hypersearch-ports");

    /// <summary>A port no other HyperSearch process holds, free on 127.0.0.1 at the time of the call.</summary>
    public static int Reserve()
    {
        Directory.CreateDirectory(LockDirectory);
        int highest = EphemeralLow() - 1;
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            int port = Random.Shared.Next(Lowest, highest + 1);
            FileStream held;
            try
            {
                // FileShare.None takes an exclusive advisory lock; the kernel drops it when this process ends, however it ends.
                held = new FileStream(Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue; // another process holds it
            }

            if (IsFree(port))
            {
                Held.Add(held);
                return port;
            }

            held.Dispose();
        }

        throw new InvalidOperationException($"no free TCP port on 127.0.0.1 between {Lowest} and {highest} after 1000 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 when it cannot be read).</summary>
    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var low) && low > Lowest + 1000 ? low : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
