using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Connections;

namespace Proxy.Actors.Tls;

/// <summary>
/// E1: the connection stage of a TLS listener, in place of <see cref="Transport.SocketConnectionStage"/>: an
/// <see cref="SslStream"/> over the accepted socket (TLS 1.2 and 1.3 only, certificate chosen by SNI from the
/// <see cref="CertificateStore"/>), handshake within the request-head timeout, then plaintext bytes in and out
/// with one read and one write in flight (backpressure as for plain sockets). SslStream does the TLS work (no
/// hand-written crypto); reads wait with a zero-byte read so an idle connection holds no buffer.
/// </summary>
public sealed class TlsConnectionStage : GraphStage<FlowShape<ByteString, ByteString>>
{
    private const int ReadSize = 16 * 1024;
    private readonly CertificateStore _certificates;
    private readonly TimeSpan _handshakeTimeout;

    public TlsConnectionStage(CertificateStore certificates, TimeSpan handshakeTimeout)
    {
        _certificates = certificates;
        _handshakeTimeout = handshakeTimeout;
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
        private readonly SslStream _ssl;
        private readonly Action<Task> _onHandshake;
        private readonly Action<Task<int>> _onRead;
        private readonly Action<Task> _onWritten;
        private bool _ready;
        private bool _reading;
        private bool _writing;
        private bool _closed;
        private byte[]? _buffer;

        public Logic(TlsConnectionStage stage, Socket socket) : base(stage.Shape)
        {
            _stage = stage;
            _socket = socket;
            _ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            _onHandshake = GetAsyncCallback<Task>(OnHandshake);
            _onRead = GetAsyncCallback<Task<int>>(OnRead);
            _onWritten = GetAsyncCallback<Task>(OnWritten);
            SetHandlers(stage.In, stage.Out, this);
        }

        /// <summary>
        /// ALPN (RFC 7301): the protocols this listener speaks. A client that offers ALPN without any of them is
        /// refused with the no_application_protocol alert (§3.2; the defence against cross-protocol attacks such as
        /// ALPACA); a client that offers none is served HTTP/1.1. HTTP/2 inbound adds h2 here.
        /// </summary>
        private static readonly List<SslApplicationProtocol> ListenerProtocols = [SslApplicationProtocol.Http11];

        public override void PreStart()
        {
            var certificates = _stage._certificates;
            var cts = new CancellationTokenSource(_stage._handshakeTimeout);
            // The certificate is chosen per handshake from the client hello's server name (SNI).
            _ssl.AuthenticateAsServerAsync((_, hello, _, _) => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateRequired = false,
                    AllowRenegotiation = false,
                    ServerCertificateContext = certificates.Select(hello.ServerName),
                    ApplicationProtocols = ListenerProtocols,
                }), null, cts.Token)
                .ContinueWith(t =>
                {
                    cts.Dispose();
                    _onHandshake(t);
                }, TaskContinuationOptions.ExecuteSynchronously);
        }

        private void OnHandshake(Task handshake)
        {
            if (!handshake.IsCompletedSuccessfully)
            {
                // Not TLS, no shared protocol or cipher, or too slow: close without a word (no HTTP to answer in).
                CloseAndComplete();
                return;
            }
            _ready = true;
            if (IsAvailable(_stage.Out)) StartRead();
            Pull(_stage.In);
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
