using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Integration.Support;

/// <summary>Free loopback ports for processes that must be told their port up front.</summary>
/// <remarks>Taken from below the kernel's ephemeral range: a port the kernel handed out once (bind to 0) can be
/// handed out again to any socket binding 0 or connecting — a node started with port 0, an HTTP client — before the
/// process it was meant for binds it (seen: a second node's admin port taken between the two). Ports below the range
/// are only ever bound on purpose. Each call moves on along one sequence, so one test run does not hand out a port
/// twice.</remarks>
public static class PortFinder
{
    private const int Lowest = 10_000;
    private static readonly int Highest = EphemeralRangeStart() - 1;
    private static long s_next = Environment.ProcessId;

    public static int Free() => FreeRange(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports (for scripts that number ports from a base).</summary>
    public static int FreeRange(int count)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var offset = Offset(Interlocked.Add(ref s_next, count) - count, count, Highest - Lowest + 1);
            if (offset >= 0 && Enumerable.Range(Lowest + offset, count).All(IsFree)) return Lowest + offset;
        }
        throw new InvalidOperationException($"no {count} free loopback port(s) between {Lowest} and {Highest}");
    }

    /// <summary>Where the range of <paramref name="count"/> ports taken at <paramref name="position"/> of the sequence
    /// starts among <paramref name="size"/> ports; -1 when it would run past the last (the next call wraps).</summary>
    /// <remarks>One modulus for every count: ranges taken one after another then never overlap within a lap. (With
    /// one per count, as before, a range of 2 after ranges of 3 started one port early once per lap taken: CI's
    /// cluster starts put backend-a on node-3's remoting port, four times in one run.)</remarks>
    public static int Offset(long position, int count, int size)
    {
        var offset = (int)(position % size);
        return offset + count <= size ? offset : -1;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false; // in use (or in TIME_WAIT for a listener)
        }
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var start and > Lowest + 1000 ? start : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768; // Linux's default; other systems' ranges start higher
        }
    }
}
