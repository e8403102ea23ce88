using System.Buffers;
using System.Net.Sockets;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Connections;

namespace Proxy.Actors.Transport;

/// <summary>
/// An Akka.Streams TCP connection stage over a connected <see cref="Socket"/>: bytes pushed into the inlet are
/// written, bytes read are pushed out of the outlet, one read per pull (backpressure reaches the kernel's
/// receive window). Hand-written instead of using Akka.IO's <c>TcpStream()</c>: measured here, Akka.IO costs
/// ~11 actor messages per request, caps reads at 512 B and leaked CLOSE-WAIT sockets under connection churn
/// (see docs/BENCHMARKS.md). Reads wait for data with a zero-byte receive so an idle connection holds no
/// buffer; the socket is always disposed when the stage stops.
/// </summary>
public sealed class SocketConnectionStage : GraphStage<FlowShape<ByteString, ByteString>>
{
    private readonly int _readSize;
    private readonly Socket? _socket;

    /// <summary>The socket comes from <see cref="ConnectionSetup.Current"/> when the stage is materialized.</summary>
    public SocketConnectionStage(int readSize = 16 * 1024)
    {
        _readSize = readSize;
        Shape = new FlowShape<ByteString, ByteString>(In, Out);
    }

    /// <summary>A stage for one given socket (L4 routes splice two of them), materialized once.</summary>
    public SocketConnectionStage(Socket socket, int readSize = 16 * 1024) : this(readSize) => _socket = socket;

    /// <summary>Bytes to write to the socket.</summary>
    public Inlet<ByteString> In { get; } = new("socket.in");
    /// <summary>Bytes read from the socket.</summary>
    public Outlet<ByteString> Out { get; } = new("socket.out");
    public override FlowShape<ByteString, ByteString> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("tcp-connection");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        new Logic(this, _socket ?? ConnectionSetup.Current.Socket ?? throw new InvalidOperationException("no socket to run on"));

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly SocketConnectionStage _stage;
        private readonly Socket _socket;
        // What woke the stage, passed through its one async callback: Akka allocates ~300–400 B for each callback a
        // logic obtains, and the connection lives as long as the client keeps it open (docs/BENCHMARKS.md).
        private static readonly object ReadSide = new();
        private static readonly object Written = new();

        // Typed, so no extra delegate is made to invoke it (GetAsyncCallback's Action wraps this one).
        private readonly IAsyncCallback<object> _wake;
        /// <summary>The wait for data or the read that follows it (never both in flight: <see cref="_readBuffer"/> tells).</summary>
        private readonly Action _readContinuation;
        private readonly Action _writtenContinuation;
        private ValueTask<int> _pendingWait;
        private ValueTask<int> _pendingRead;
        private ValueTask<int> _pendingWrite;
        private byte[]? _readBuffer;
        private bool _writing;
        private bool _closed;
        private bool _firstRead = true;

        // Made with the port counts, not the shape: Akka's shape constructor formats the shape's ports into a new log-source
        // string for every logic, that is for every connection; the log source is this stage's fixed name instead.
        private static readonly Akka.Event.LogSource LogName = Akka.Event.LogSource.Create("tcp-connection");

        protected override object LogSource => LogName;

        public Logic(SocketConnectionStage stage, Socket socket) : base(inCount: 1, outCount: 1)
        {
            _stage = stage;
            _socket = socket;
            try
            {
                // Sends are tried at once (SendNow); reads still wait through the socket's async receive.
                _socket.Blocking = false;
            }
            catch (Exception)
            {
                // Already closed: the first read or write reports it.
            }
            _wake = GetTypedAsyncCallback<object>(OnWake);
            // Cached delegates: awaiting a socket ValueTask allocates nothing per operation.
            _readContinuation = () => IoInlineExecutor.RunInline(_wake, ReadSide);
            _writtenContinuation = () => IoInlineExecutor.RunInline(_wake, Written);
            SetHandlers(stage.In, stage.Out, this);
        }

        private void OnWake(object signal)
        {
            if (!ReferenceEquals(signal, ReadSide)) OnWritten();
            else if (_readBuffer is null) OnReadable();
            else OnRead();
        }

        public override void PreStart() => Pull(_stage.In);

        public override void OnPull()
        {
            if (_firstRead)
            {
                _firstRead = false;
                // A new client's request may have arrived by the time its connection starts (about a third of them under
                // wrk): then it is read at once, and the socket joins epoll only when a read has to wait. Adding a socket
                // that is already readable woke the event thread, which handed the read to a pool thread: measured, a
                // third of a new connection's thread wake-ups. A one-request connection may never join epoll.
                if (HasDataNow())
                {
                    ReadNow();
                    return;
                }
            }
            WaitReadable();
        }

        private bool HasDataNow()
        {
            try
            {
                return _socket.Available > 0;
            }
            catch (Exception)
            {
                return false; // the wait reports the error
            }
        }

        private void WaitReadable()
        {
            ValueTask<int> wait;
            try
            {
                wait = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            }
            catch (Exception)
            {
                ReadClosed();
                return;
            }
            _pendingWait = wait;
            if (wait.IsCompleted)
            {
                OnReadable();
                return;
            }
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_readContinuation);
        }

        private void OnReadable()
        {
            try
            {
                _pendingWait.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                ReadClosed();
                return;
            }
            _pendingWait = default;
            if (_closed) return;
            ReadNow();
        }

        private void ReadNow()
        {
            // Data (or FIN) is there: this receive normally completes at once, so the buffer is only borrowed.
            _readBuffer = ArrayPool<byte>.Shared.Rent(_stage._readSize);
            ValueTask<int> read;
            try
            {
                read = _socket.ReceiveAsync(_readBuffer.AsMemory(), SocketFlags.None);
            }
            catch (Exception)
            {
                ReturnReadBuffer();
                ReadClosed();
                return;
            }
            _pendingRead = read;
            if (read.IsCompleted)
            {
                OnRead();
                return;
            }
            read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_readContinuation);
        }

        private void OnRead()
        {
            int n;
            try
            {
                n = _pendingRead.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                n = 0;
            }
            _pendingRead = default;
            var buffer = _readBuffer!;
            if (n <= 0 || _closed)
            {
                ReturnReadBuffer();
                ReadClosed();
                return;
            }
            // ByteString.FromBytes aliases its array, so the pooled buffer is copied into one the ByteString owns.
            var copy = new byte[n];
            Buffer.BlockCopy(buffer, 0, copy, 0, n);
            ReturnReadBuffer();
            Push(_stage.Out, ByteString.FromBytes(copy));
        }

        private void ReturnReadBuffer()
        {
            if (_readBuffer is null) return;
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = null;
        }

        private void ReadClosed()
        {
            if (!IsClosed(_stage.Out)) Complete(_stage.Out);
            // Both directions done (the write side was half-closed earlier): close now.
            if (IsClosed(_stage.In) && !_writing) CloseAndComplete();
        }

        public override void OnDownstreamFinish(Exception cause)
        {
            // Nobody reads any more; keep writing what the inlet still brings, then close.
            if (IsClosed(_stage.In)) CloseAndComplete();
        }

        public override void OnPush()
        {
            var data = Grab(_stage.In);
            if (data.IsEmpty)
            {
                Pull(_stage.In);
                return;
            }
            int sent;
            ValueTask<int> write;
            try
            {
                sent = SendNow(data);
                if (sent < 0)
                {
                    CloseAndComplete();
                    return;
                }
                if (sent == data.Count)
                {
                    AfterWritten();
                    return;
                }
                // The kernel's send buffer is full: the rest goes when there is room.
                var segments = ByteStringSegments.Of(sent == 0 ? data : data.Slice(sent));
                write = segments.Count == 1
                    ? _socket.SendAsync(segments[0].AsMemory(), SocketFlags.None)
                    : new ValueTask<int>(_socket.SendAsync(segments, SocketFlags.None));
            }
            catch (Exception)
            {
                CloseAndComplete();
                return;
            }
            _pendingWrite = write;
            _writing = true;
            if (write.IsCompleted)
            {
                OnWritten();
                return;
            }
            write.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_writtenContinuation);
        }

        /// <summary>
        /// Writes what the socket takes now without waiting (the socket is non-blocking): the bytes written, 0 when its
        /// send buffer is full, -1 when the connection is broken. Most writes fit whole, and then the async send's
        /// machinery is never used: no completion to dispatch, and the socket never makes its cached send
        /// <c>SocketAsyncEventArgs</c> (~300 B held for as long as the connection lives).
        /// </summary>
        private int SendNow(ByteString data)
        {
            var segments = ByteStringSegments.Of(data);
            SocketError error;
            var n = segments.Count == 1
                ? _socket.Send(segments[0].AsSpan(), SocketFlags.None, out error)
                : _socket.Send(segments, SocketFlags.None, out error);
            if (error == SocketError.Success) return n;
            return error == SocketError.WouldBlock ? 0 : -1;
        }

        private void OnWritten()
        {
            _writing = false;
            try
            {
                _pendingWrite.GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                _pendingWrite = default;
                CloseAndComplete();
                return;
            }
            _pendingWrite = default;
            AfterWritten();
        }

        private void AfterWritten()
        {
            if (IsClosed(_stage.In))
            {
                FinishWriting();
                return;
            }
            Pull(_stage.In);
        }

        public override void OnUpstreamFinish()
        {
            // Everything to send was handed to the kernel (a write completes before the next pull).
            if (!_writing) FinishWriting();
        }

        /// <summary>
        /// Nothing more to send. If the peer may still send (a CONNECT tunnel whose far end closed first), only
        /// the write side is shut down (FIN) and reading goes on; otherwise the connection closes.
        /// </summary>
        private void FinishWriting()
        {
            if (IsClosed(_stage.Out))
            {
                CloseAndComplete();
                return;
            }
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception)
            {
                CloseAndComplete();
            }
        }

        public override void OnUpstreamFailure(Exception e) => CloseAndComplete();

        private void CloseAndComplete()
        {
            Close();
            CompleteStage();
        }

        private void Close()
        {
            if (_closed) return;
            _closed = true;
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception)
            {
                // Already reset by the peer.
            }
            _socket.Dispose();
        }

        public override void PostStop() => Close();
    }
}
