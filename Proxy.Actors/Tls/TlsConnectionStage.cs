using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Connections;

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
        private readonly Action<Task> _onHandshake;
        private readonly Action<Task<int>> _onRead;
        private readonly Action<Task> _onWritten;
        private readonly Action<Task> _onPlainHttpAnswered;
        private bool _ready;
        private bool _reading;
        private bool _writing;
        private bool _closed;
        private byte[]? _buffer;

        public Logic(TlsConnectionStage stage, Socket socket) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            _stream = new PrefixedStream(new NetworkStream(socket, ownsSocket: true));
            _ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
            _onHandshake = GetAsyncCallback<Task>(OnHandshake);
            _onRead = GetAsyncCallback<Task<int>>(OnRead);
            _onWritten = GetAsyncCallback<Task>(OnWritten);
            _onPlainHttpAnswered = GetAsyncCallback<Task>(_ => CloseAndComplete());
            SetHandlers(stage.In, stage.Out, this);
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
                _onHandshake(t);
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
                    PlainHttpAnswer.SendAsync(_socket).ContinueWith(_onPlainHttpAnswered, TaskContinuationOptions.ExecuteSynchronously);
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
            Task<int> read;
            try
            {
                // A zero-byte read waits for data without holding a buffer (SslStream supports it).
                read = _buffer is null ? _ssl.ReadAsync(Memory<byte>.Empty).AsTask() : _ssl.ReadAsync(_buffer, 0, ReadSize);
            }
            catch (Exception e)
            {
                read = Task.FromException<int>(e);
            }
            if (read.IsCompleted) OnRead(read);
            else read.ContinueWith(_onRead, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnRead(Task<int> read)
        {
            _reading = false;
            if (_closed) return;
            if (!read.IsCompletedSuccessfully)
            {
                ReadClosed();
                return;
            }
            if (_buffer is null)
            {
                // The zero-byte read completed: data (or the end) is there; read it into a buffer now.
                _buffer = new byte[ReadSize];
                StartRead();
                return;
            }
            var n = read.Result;
            if (n <= 0)
            {
                _buffer = null;
                ReadClosed();
                return;
            }
            var copy = _buffer.AsSpan(0, n).ToArray();
            _buffer = null;
            Push(_stage.Out, ByteString.FromBytes(copy));
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
            Task write;
            try
            {
                write = _ssl.WriteAsync(data.ToArray()).AsTask();
            }
            catch (Exception e)
            {
                write = Task.FromException(e);
            }
            if (write.IsCompleted) OnWritten(write);
            else write.ContinueWith(_onWritten, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnWritten(Task write)
        {
            _writing = false;
            if (!write.IsCompletedSuccessfully)
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
