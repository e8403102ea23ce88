using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Tests.Integration.Support;

/// <summary>
/// A backend that misbehaves on purpose: each accepted connection runs a script the test writes against a
/// <see cref="ScriptedConnection"/> (read one request, write any bytes, wait, close, reset). Requests read are
/// recorded in order across connections, so a test can count what really reached the backend.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<ScriptedConnection, Task> _script;
    private int _connections;

    public ScriptedBackend(Func<ScriptedConnection, Task> script)
    {
        _script = script;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        _ = AcceptLoop();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public string Address => $"127.0.0.1:{Port}";
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>How many requests with this method reached the backend.</summary>
    public int Count(string method) => Requests.Count(r => r.RequestLine.StartsWith(method + " ", StringComparison.Ordinal));

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Run(new ScriptedConnection(socket, Requests, _stop.Token));
        }
    }

    private async Task Run(ScriptedConnection connection)
    {
        try
        {
            await _script(connection);
        }
        catch
        {
            // The proxy closed the connection, or the test ended.
        }
        finally
        {
            connection.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One accepted connection of a <see cref="ScriptedBackend"/>.</summary>
public sealed class ScriptedConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly ConcurrentQueue<ReceivedRequest> _log;
    private readonly CancellationToken _stop;
    private readonly List<byte> _buffer = new();
    private readonly byte[] _chunk = new byte[65536];

    internal ScriptedConnection(Socket socket, ConcurrentQueue<ReceivedRequest> log, CancellationToken stop)
    {
        _socket = socket;
        _log = log;
        _stop = stop;
    }

    /// <summary>Reads one request (head and Content-Length body); null when the proxy closed the connection.</summary>
    public async Task<ReceivedRequest?> ReadRequestAsync()
    {
        if (await ReadHeadAsync() is not { } head) return null;
        var length = 0;
        foreach (var line in head.Split("\r\n"))
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                length = int.Parse(line[15..].Trim());
        while (_buffer.Count < length)
            if (!await FillAsync()) return null;
        var request = new ReceivedRequest(head, _buffer.GetRange(0, length).ToArray());
        _buffer.RemoveRange(0, length);
        _log.Enqueue(request);
        return request;
    }

    /// <summary>Reads only the request head and records it; the body (if any) is left unread in the socket.</summary>
    public async Task<ReceivedRequest?> ReadHeadOnlyAsync()
    {
        if (await ReadHeadAsync() is not { } head) return null;
        var request = new ReceivedRequest(head, []);
        _log.Enqueue(request);
        return request;
    }

    private async Task<string?> ReadHeadAsync()
    {
        int headEnd;
        while ((headEnd = IndexOf("\r\n\r\n"u8)) < 0)
            if (!await FillAsync()) return null;
        var head = Encoding.Latin1.GetString(_buffer.GetRange(0, headEnd + 4).ToArray());
        _buffer.RemoveRange(0, headEnd + 4);
        return head;
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.Latin1.GetBytes(text));

    public async Task WriteAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None, _stop);

    public Task DelayAsync(int milliseconds) => Task.Delay(milliseconds, _stop);

    /// <summary>Waits until the proxy closes its side (or the test ends), reading and dropping whatever arrives.</summary>
    public async Task DrainUntilClosedAsync()
    {
        while (await FillAsync()) _buffer.Clear();
    }

    /// <summary>Sends a FIN (no more bytes from the backend) but keeps reading.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Whether the proxy closed its side within <paramref name="timeout"/> (bytes it sends meanwhile are dropped).</summary>
    public async Task<bool> ClosedByProxyWithinAsync(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        deadline.CancelAfter(timeout);
        try
        {
            while (await _socket.ReceiveAsync(_chunk, SocketFlags.None, deadline.Token) > 0)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset by the proxy
        }
    }

    /// <summary>Closes with a TCP reset (RST) instead of a FIN.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>A clean close (FIN) after what was written.</summary>
    public void Close()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Close();
    }

    private async Task<bool> FillAsync()
    {
        var n = await _socket.ReceiveAsync(_chunk, SocketFlags.None, _stop);
        if (n == 0) return false;
        _buffer.AddRange(_chunk.AsSpan(0, n).ToArray());
        return true;
    }

    private int IndexOf(ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= _buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++) match = _buffer[i + j] == needle[j];
            if (match) return i;
        }
        return -1;
    }

    public void Dispose() => _socket.Dispose();
}
