using System.Net;
using System.Net.Sockets;

namespace Proxy.Tests.Integration.Support;

/// <summary>Free loopback ports for processes that must be told their port up front.</summary>
/// <remarks>Taken from outside the range the machine hands out ephemeral ports from: a port the kernel hands out (to a
/// socket binding 0, or as the source port of an outgoing connection) can be taken between our check and the bind of
/// the process it was meant for, and stays taken for a minute in TIME_WAIT after such a connection closes (seen: a
/// node's admin port, and CI's node-3 remoting port in four cluster starts of one run). The range is what the machine
/// does, not only what /proc says: CI handed out ports in 17xxx while this picked from below the range /proc gave
/// (or 32768 when it gave none), so a sample of ports the kernel hands out widens it. Each call moves on, so one test
/// run does not hand out a port twice.</remarks>
public static class PortFinder
{
    /// <summary>Ports outside the ephemeral range this finder picks from, [Low, High].</summary>
    public static readonly (int Low, int High) Window = PickWindow(EphemeralRange());

    private static int s_next = Environment.ProcessId;

    public static int Free() => FreeRange(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports (for scripts that number ports from a base).</summary>
    public static int FreeRange(int count)
    {
        var span = Window.High - Window.Low + 2 - count;
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            // Each call takes the next [start, start + count) of the sequence, so no two calls overlap.
            var start = Window.Low + (int)((uint)(Interlocked.Add(ref s_next, count) - count) % (uint)span);
            if (Enumerable.Range(start, count).All(IsFree)) return start;
        }
        throw new InvalidOperationException($"no {count} free loopback port(s) between {Window.Low} and {Window.High}");
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
            return false; // in use, or in TIME_WAIT after a connection that had it as its source port
        }
    }

    /// <summary>The ephemeral range as /proc gives it, widened to every port the kernel handed out in a sample.</summary>
    public static (int Low, int High) EphemeralRange()
    {
        var (low, high) = ReportedRange();
        foreach (var port in SampleEphemeralPorts(256))
        {
            low = Math.Min(low, port);
            high = Math.Max(high, port);
        }
        return (low, high);
    }

    /// <summary>The larger stretch of at least 2000 ports between 10000 and 65535 outside <paramref name="ephemeral"/>
    /// (a margin of 1000 from it, as a sample's lowest port can sit a little above the range's start); when neither
    /// is that large, 10000 up to the range's end (nothing is safe then, and collisions are left to chance).</summary>
    public static (int Low, int High) PickWindow((int Low, int High) ephemeral)
    {
        const int lowest = 10_000, margin = 1000, enough = 2000;
        var below = (Low: lowest, High: ephemeral.Low - margin - 1);
        var above = (Low: ephemeral.High + margin + 1, High: 65_535);
        var best = below.High - below.Low >= above.High - above.Low ? below : above;
        return best.High - best.Low + 1 >= enough ? best : (lowest, Math.Max(lowest + enough, ephemeral.High));
    }

    private static (int Low, int High) ReportedRange()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999); // Linux's default; other systems' ranges start higher
        }
    }

    /// <summary>Ports the kernel picks for <paramref name="count"/> sockets bound to port 0 at once (then released).</summary>
    private static List<int> SampleEphemeralPorts(int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
        }
        catch (SocketException)
        {
            // out of ports or descriptors: the sample so far will do
        }
        var ports = sockets.Select(s => s.LocalEndPoint is IPEndPoint bound ? bound.Port : 0).Where(p => p > 0).ToList();
        foreach (var socket in sockets) socket.Dispose();
        return ports;
    }
}
