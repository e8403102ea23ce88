using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Connections;
using Proxy.Actors.Transport;

namespace Proxy.Actors.Tls;

/// <summary>
/// E1: the connection stage of a TLS listener, in place of <see cref="Transport.SocketConnectionStage"/>: an
/// <see cref="SslStream"/> over the accepted socket (versions, suites and resumption from the listener's
/// <see cref="TlsListenerOptions"/>, certificate chosen by SNI), handshake within the listener's handshake-timeout,
/// then plaintext bytes in and out with one read and one write in flight (backpressure as for plain sockets).
/// SslStream does the TLS work (no hand-written crypto); reads wait with a zero-byte read so an idle connection holds
/// no buffer. Plain HTTP sent to the port gets a 400 saying so, as nginx answers it, instead of a silent close.
/// </summary>
public sealed class TlsConnectionStage : GraphStage<FlowShape<ByteString, ByteString>>
{
    private const int ReadSize = 16 * 1024;
    /// <summary>How much of the client's first record is read to look at its hello: hellos are ~0.2-2 KB (post-quantum
    /// key shares included); a larger one is left to SslStream with options for every version (ClientHelloKind.Unknown).</summary>
    private const int MaxHelloRecord = 4096;
    private readonly TlsListenerOptions _options;

    public TlsConnectionStage(TlsListenerOptions options)
    {
        _options = options;
        Shape = new FlowShape<ByteString, ByteString>(In, Out);
    }

    /// <summary>Plaintext to encrypt and send.</summary>
    public Inlet<ByteString> In { get; } = new("tls.in");
    /// <summary>Plaintext received and decrypted.</summary>
    public Outlet<ByteString> Out { get; } = new("tls.out");
    public override FlowShape<ByteString, ByteString> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("tls-connection");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) =>
        new Logic(this, ConnectionSetup.Current.Socket ?? throw new InvalidOperationException("no socket to run on"));

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly TlsConnectionStage _stage;
        private readonly Socket _socket;
        private readonly PrefixedStream _stream;
        private readonly SslStream _ssl;
        // What woke the stage, through its one async callback (as in SocketConnectionStage): a read or a write that did
        // not complete at once, the plain-HTTP answer sent, or the handshake (its Task).
        private static readonly object ReadDone = new();
        private static readonly object Written = new();
        private static readonly object PlainHttpAnswered = new();

        private readonly IAsyncCallback<object> _wake;
        private readonly Action _readContinuation;
        private readonly Action _writtenContinuation;
        private ValueTask<int> _pendingRead;
        private ValueTask _pendingWrite;
        private bool _ready;
        private bool _reading;
        private bool _writing;
        private bool _closed;
        private byte[]? _buffer;

        // Made with the port counts, not the shape: Akka's shape constructor formats the shape's ports into a new log-source
        // string for every logic, that is for every connection; the log source is this stage's fixed name instead.
        private static readonly Akka.Event.LogSource LogName = Akka.Event.LogSource.Create("tls-connection");

        protected override object LogSource => LogName;

        public Logic(TlsConnectionStage stage, Socket socket) : base(inCount: 1, outCount: 1)
        {
            _stage = stage;
            _socket = socket;
            _stream = new PrefixedStream(new NetworkStream(socket, ownsSocket: true));
            _ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            _wake = GetTypedAsyncCallback<object>(OnWake);
            // Cached delegates: awaiting SslStream's ValueTasks allocates no Task and no continuation per read or write.
            _readContinuation = () => IoInlineExecutor.RunInline(_wake, ReadDone);
            _writtenContinuation = () => IoInlineExecutor.RunInline(_wake, Written);
            SetHandlers(stage.In, stage.Out, this);
        }

        private void OnWake(object signal)
        {
            if (ReferenceEquals(signal, ReadDone)) OnRead();
            else if (ReferenceEquals(signal, Written)) OnWritten();
            else if (ReferenceEquals(signal, PlainHttpAnswered)) CloseAndComplete();
            else if (signal is Task handshake) OnHandshake(handshake);
        }

        public override void PreStart()
        {
            var options = _stage._options;
            var cts = new CancellationTokenSource(options.HandshakeTimeout);
            // On the thread pool: a connection starts on its accept's thread, and a hello that has already arrived would
            // run the handshake's crypto (about a millisecond) there, holding up the next accepts.
            Task.Run(() => HandshakeAsync(options, cts.Token)).ContinueWith(t =>
            {
                cts.Dispose();
                _wake.Invoke(t);
            }, TaskContinuationOptions.ExecuteSynchronously);
        }

        /// <summary>Reads the client's first TLS record (its hello) and puts it back in front of the stream: it tells
        /// plain HTTP from TLS, and which versions the client offers (<see cref="ClientHello"/>). Then the handshake,
        /// with options for those versions and the certificate for the hello's server name (SNI).</summary>
        private async Task HandshakeAsync(TlsListenerOptions options, CancellationToken cancel)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxHelloRecord);
            var filled = 0;
            try
            {
                while (true)
                {
                    var n = await _stream.ReadAsync(buffer.AsMemory(filled), cancel).ConfigureAwait(false);
                    if (n == 0) throw new IOException("unexpected EOF: the client closed before its hello");
                    filled += n;
                    if (filled < ClientHello.RecordHeaderLength && buffer[0] == 0x16) continue;
                    var need = ClientHello.RecordLength(buffer.AsSpan(0, filled));
                    if (need == 0 || filled >= Math.Min(need, buffer.Length)) break;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
            var kind = ClientHello.Classify(buffer.AsSpan(0, filled));
            if (kind is ClientHelloKind.PlainHttp or ClientHelloKind.NotTls)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw new NotTlsException(kind);
            }
            _stream.Unread(buffer, filled);
            await _ssl.AuthenticateAsServerAsync((_, hello, _, _) => ValueTask.FromResult(options.For(kind, hello.ServerName)), null, cancel)
                .ConfigureAwait(false);
        }

        private void OnHandshake(Task handshake)
        {
            if (!handshake.IsCompletedSuccessfully)
            {
                var (failure, detail) = handshake.Exception?.InnerException is NotTlsException notTls
                    ? notTls.Kind == ClientHelloKind.PlainHttp
                        ? (TlsHandshakeFailure.PlainHttp, "plain HTTP request")
                        : (TlsHandshakeFailure.NotTls, "the first bytes are not a TLS record")
                    : TlsHandshakeFailures.Classify(handshake.IsCanceled ? new OperationCanceledException() : handshake.Exception);
                LogFailure(failure, detail);
                if (failure == TlsHandshakeFailure.PlainHttp)
                {
                    PlainHttpAnswer.SendAsync(_socket).ContinueWith(_ => _wake.Invoke(PlainHttpAnswered), TaskContinuationOptions.ExecuteSynchronously);
                    return;
                }
                // No shared protocol or cipher, not TLS, or too slow: TLS has already sent its alert (if any).
                CloseAndComplete();
                return;
            }
            _ready = true;
            if (IsAvailable(_stage.Out)) StartRead();
            Pull(_stage.In);
        }

        private void LogFailure(TlsHandshakeFailure failure, string detail)
        {
            var log = _stage._options.Log;
            if (log is null || !log.IsDebugEnabled) return;
            string client;
            try
            {
                client = _socket.RemoteEndPoint?.ToString() ?? "?";
            }
            catch (ObjectDisposedException)
            {
                client = "?";
            }
            log.Debug("TLS handshake on listener {0} from {1} failed: {2} ({3})", _stage._options.Listener, client, failure, detail);
        }

        public override void OnPull()
        {
            if (_ready && !_reading) StartRead();
        }

        private void StartRead()
        {
            if (_closed) return;
            _reading = true;
            ValueTask<int> read;
            try
            {
                // A zero-byte read waits for data without holding a buffer (SslStream supports it).
                read = _buffer is null ? _ssl.ReadAsync(Memory<byte>.Empty) : _ssl.ReadAsync(_buffer.AsMemory(0, ReadSize));
            }
            catch (Exception e)
            {
                read = ValueTask.FromException<int>(e);
            }
            _pendingRead = read;
            if (read.IsCompleted) OnRead();
            else read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_readContinuation);
        }

        private void OnRead()
        {
            _reading = false;
            int n;
            bool ok;
            try
            {
                n = _pendingRead.GetAwaiter().GetResult();
                ok = true;
            }
            catch (Exception)
            {
                n = 0;
                ok = false;
            }
            _pendingRead = default;
            if (_closed || !ok)
            {
                ReturnBuffer();
                if (!_closed) ReadClosed();
                return;
            }
            if (_buffer is null)
            {
                // The zero-byte read completed: data (or the end) is there; read it into a buffer borrowed for this read
                // (it completes at once: the record is decrypted from what has arrived).
                _buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
                StartRead();
                return;
            }
            if (n <= 0)
            {
                ReturnBuffer();
                ReadClosed();
                return;
            }
            // ByteString.FromBytes aliases its array, so the pooled buffer is copied into one the ByteString owns.
            var copy = _buffer.AsSpan(0, n).ToArray();
            ReturnBuffer();
            Push(_stage.Out, ByteString.FromBytes(copy));
        }

        private void ReturnBuffer()
        {
            if (_buffer is null) return;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        private void ReadClosed()
        {
            if (!IsClosed(_stage.Out)) Complete(_stage.Out);
            if (IsClosed(_stage.In) && !_writing) CloseAndComplete();
        }

        public override void OnDownstreamFinish(Exception cause)
        {
            if (IsClosed(_stage.In) && !_writing) CloseAndComplete();
        }

        public override void OnPush()
        {
            var data = Grab(_stage.In);
            if (data.IsEmpty)
            {
                Pull(_stage.In);
                return;
            }
            _writing = true;
            ValueTask write;
            try
            {
                // The ByteString's own array when it has one (no copy); SslStream takes one buffer, so several are joined.
                var segments = ByteStringSegments.Of(data);
                write = _ssl.WriteAsync(segments.Count == 1 ? segments[0].AsMemory() : data.ToArray());
            }
            catch (Exception e)
            {
                write = ValueTask.FromException(e);
            }
            _pendingWrite = write;
            if (write.IsCompleted) OnWritten();
            else write.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_writtenContinuation);
        }

        private void OnWritten()
        {
            _writing = false;
            bool ok;
            try
            {
                _pendingWrite.GetAwaiter().GetResult();
                ok = true;
            }
            catch (Exception)
            {
                ok = false;
            }
            _pendingWrite = default;
            if (!ok)
            {
                CloseAndComplete();
                return;
            }
            if (IsClosed(_stage.In))
            {
                FinishWriting();
                return;
            }
            Pull(_stage.In);
        }

        public override void OnUpstreamFinish()
        {
            if (!_writing) FinishWriting();
        }

        public override void OnUpstreamFailure(Exception e) => CloseAndComplete();

        private void FinishWriting()
        {
            if (IsClosed(_stage.Out))
            {
                CloseAndComplete();
                return;
            }
            // Half-close: close_notify, then FIN; keep reading what the client still sends.
            _ssl.ShutdownAsync().ContinueWith(_ =>
            {
                try
                {
                    _socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception)
                {
                    // Closed meanwhile.
                }
            }, TaskContinuationOptions.ExecuteSynchronously);
        }

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
                // Already reset.
            }
            _ssl.Dispose();
        }

        public override void PostStop() => Close();
    }
}
