using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A backend on a raw socket that records exactly what arrives (head text and body bytes) and answers with
/// bytes a test chooses. Its request framing is a deliberately simple, independent implementation (not the
/// proxy's parser) so tests see what the proxy really sent.
/// </summary>
public sealed class RawBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<ReceivedRequest, byte[]?> _respond;

    public RawBackend(Func<ReceivedRequest, byte[]?>? respond = null)
    {
        _respond = respond ?? (_ => Ok("ok"));
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _ = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    public int Connections;

    public static byte[] Ok(string body, string extraHeaders = "") =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n{extraHeaders}\r\n{body}");

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await _listener.AcceptAsync(_stop.Token); }
            catch { return; }
            Interlocked.Increment(ref Connections);
            _ = Serve(s);
        }
    }

    private async Task Serve(Socket s)
    {
        using var _ = s;
        var buf = new List<byte>();
        var tmp = new byte[65536];
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = IndexOf(buf, "\r\n\r\n"u8)) < 0)
                {
                    var n = await s.ReceiveAsync(tmp, SocketFlags.None, _stop.Token);
                    if (n == 0) return;
                    buf.AddRange(tmp.AsSpan(0, n).ToArray());
                }
                var head = Encoding.Latin1.GetString(buf.GetRange(0, headEnd + 4).ToArray());
                buf.RemoveRange(0, headEnd + 4);
                var body = new MemoryStream();
                var lower = head.ToLowerInvariant();
                if (lower.Contains("\r\ntransfer-encoding: chunked"))
                {
                    // Keep the raw chunked bytes: tests check framing and trailers as sent.
                    while (true)
                    {
                        var end = IndexOf(buf, "0\r\n"u8);
                        var done = end >= 0 && (end == 0 || buf[end - 1] == '\n') && IndexOf(buf.Skip(end).ToList(), "\r\n\r\n"u8) >= 0;
                        if (done)
                        {
                            var tail = IndexOf(buf.Skip(end).ToList(), "\r\n\r\n"u8) + end + 4;
                            body.Write(buf.GetRange(0, tail).ToArray());
                            buf.RemoveRange(0, tail);
                            break;
                        }
                        var n = await s.ReceiveAsync(tmp, SocketFlags.None, _stop.Token);
                        if (n == 0) return;
                        buf.AddRange(tmp.AsSpan(0, n).ToArray());
                    }
                }
                else
                {
                    var cl = 0L;
                    foreach (var line in head.Split("\r\n"))
                        if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                            cl = long.Parse(line[15..].Trim());
                    while (buf.Count < cl)
                    {
                        var n = await s.ReceiveAsync(tmp, SocketFlags.None, _stop.Token);
                        if (n == 0) return;
                        buf.AddRange(tmp.AsSpan(0, n).ToArray());
                    }
                    body.Write(buf.GetRange(0, (int)cl).ToArray());
                    buf.RemoveRange(0, (int)cl);
                }
                var request = new ReceivedRequest(head, body.ToArray());
                Requests.Enqueue(request);
                var response = _respond(request);
                if (response is null) return; // close without answering
                await s.SendAsync(response, SocketFlags.None, _stop.Token);
            }
        }
        catch
        {
            // Test finished or the proxy closed the connection.
        }
    }

    private static int IndexOf(List<byte> haystack, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++) match = haystack[i + j] == needle[j];
            if (match) return i;
        }
        return -1;
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A request as it arrived at a <see cref="RawBackend"/>.</summary>
public sealed record ReceivedRequest(string Head, byte[] Body)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];

    public IReadOnlyList<(string Name, string Value)> Headers =>
        Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
            .Select(l => (l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim())).ToList();

    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}
