using System.Net.Sockets;
using System.Security.Authentication;

namespace Proxy.Actors.Tls;

/// <summary>Why a TLS handshake on a listener did not finish (logged at debug; the label of the handshake counter
/// once metrics exist).</summary>
public enum TlsHandshakeFailure
{
    /// <summary>No finished handshake within the listener's <c>handshake-timeout</c>.</summary>
    TimedOut,
    /// <summary>The client offered only versions below <c>min-version</c>.</summary>
    ProtocolVersion,
    /// <summary>No cipher suite in common with <c>cipher-suites</c>.</summary>
    NoSharedCipher,
    /// <summary>The client offered ALPN without a protocol the listener speaks (RFC 7301 §3.2).</summary>
    NoApplicationProtocol,
    /// <summary>The client refused our certificate (unknown CA, bad or expired certificate alert).</summary>
    CertificateRejected,
    /// <summary>Plain HTTP sent to the TLS port (answered with 400).</summary>
    PlainHttp,
    /// <summary>Bytes that are not a TLS client hello.</summary>
    NotTls,
    /// <summary>The client closed or reset the connection mid-handshake.</summary>
    ClientClosed,
    Other,
}

/// <summary>Maps what <see cref="System.Net.Security.SslStream"/> throws to a <see cref="TlsHandshakeFailure"/>.</summary>
/// <remarks>SslStream reports a failed server handshake as an <see cref="AuthenticationException"/> whose inner
/// exceptions carry OpenSSL's reason text ("error:0A0000C1:SSL routines::no shared cipher"); it exposes no alert or
/// reason code, so the reason strings of OpenSSL (the TLS library .NET uses on Linux) are matched here, in one place.</remarks>
public static class TlsHandshakeFailures
{
    private static readonly (string Text, TlsHandshakeFailure Failure)[] OpenSslReasons =
    [
        ("unsupported protocol", TlsHandshakeFailure.ProtocolVersion),
        ("version too low", TlsHandshakeFailure.ProtocolVersion),
        ("no shared cipher", TlsHandshakeFailure.NoSharedCipher),
        ("no suitable signature algorithm", TlsHandshakeFailure.NoSharedCipher),
        ("no application protocol", TlsHandshakeFailure.NoApplicationProtocol),
        ("alert unknown ca", TlsHandshakeFailure.CertificateRejected),
        ("alert bad certificate", TlsHandshakeFailure.CertificateRejected),
        ("alert certificate", TlsHandshakeFailure.CertificateRejected),
        ("http request", TlsHandshakeFailure.PlainHttp),
        ("wrong version number", TlsHandshakeFailure.NotTls),
        ("packet length too long", TlsHandshakeFailure.NotTls),
        ("unexpected eof", TlsHandshakeFailure.ClientClosed),
    ];

    /// <summary>The failure and the innermost message (for the log line).</summary>
    public static (TlsHandshakeFailure Failure, string Detail) Classify(Exception? error)
    {
        var detail = "";
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is AggregateException { InnerException: { } inner } && inner != e) continue;
            detail = e.Message;
            if (e is OperationCanceledException or TimeoutException) return (TlsHandshakeFailure.TimedOut, "handshake timeout");
            if (e is SocketException) return (TlsHandshakeFailure.ClientClosed, e.Message);
        }
        for (var e = error; e is not null; e = e.InnerException)
        {
            foreach (var (text, failure) in OpenSslReasons)
                if (e.Message.Contains(text, StringComparison.OrdinalIgnoreCase)) return (failure, e.Message);
        }
        if (error is IOException || error?.InnerException is IOException) return (TlsHandshakeFailure.ClientClosed, detail);
        return (TlsHandshakeFailure.Other, detail);
    }
}
