using System.Buffers.Binary;

namespace Proxy.Actors.Tls;

/// <summary>What the first bytes on a TLS listener are.</summary>
public enum ClientHelloKind
{
    /// <summary>A complete TLS ClientHello whose supported_versions extension offers TLS 1.3.</summary>
    OffersTls13,
    /// <summary>A complete TLS ClientHello without TLS 1.3 (a TLS 1.2-or-older client).</summary>
    Tls12OrOlder,
    /// <summary>A TLS record that could not be read whole from these bytes (a hello larger than one record, or
    /// bytes still on their way): SslStream decides with options valid for every version.</summary>
    Unknown,
    /// <summary>An HTTP request (the first byte is a method's capital letter).</summary>
    PlainHttp,
    /// <summary>Neither TLS nor HTTP.</summary>
    NotTls,
}

/// <summary>
/// Reads the versions a TLS ClientHello offers (RFC 8446 §4.1.2 and §4.2.1) from the first record, before SslStream
/// sees it. .NET parses the hello too, but hands the server-options callback only the record's legacy version (TLS 1.2
/// for every modern client), not the supported_versions extension, so the listener could not tell a TLS 1.3 client
/// from a TLS 1.2-only one (see <see cref="TlsListenerOptions"/> for why that matters). Only lengths are walked; nothing
/// is interpreted beyond the version list, and anything malformed is <see cref="ClientHelloKind.Unknown"/>, left to
/// SslStream to refuse.
/// </summary>
public static class ClientHello
{
    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloMessage = 0x01;
    private const ushort SupportedVersionsExtension = 43;
    private const ushort Tls13 = 0x0304;
    public const int RecordHeaderLength = 5;

    /// <summary>How many bytes the first record needs in all (header included); 0 when the bytes are not a TLS record
    /// or fewer than a header have arrived.</summary>
    public static int RecordLength(ReadOnlySpan<byte> data) =>
        data.Length >= RecordHeaderLength && data[0] == HandshakeRecord
            ? RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(data[3..5])
            : 0;

    public static ClientHelloKind Classify(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return ClientHelloKind.Unknown;
        if (data[0] is >= (byte)'A' and <= (byte)'Z') return ClientHelloKind.PlainHttp;
        if (data[0] != HandshakeRecord) return ClientHelloKind.NotTls;
        var total = RecordLength(data);
        if (total == 0 || data.Length < total) return ClientHelloKind.Unknown;
        var record = data[RecordHeaderLength..total];
        if (record.Length < 4 || record[0] != ClientHelloMessage) return ClientHelloKind.Unknown;
        var messageLength = (record[1] << 16) | (record[2] << 8) | record[3];
        if (record.Length < 4 + messageLength) return ClientHelloKind.Unknown; // the hello goes on in a next record
        var hello = record.Slice(4, messageLength);
        // legacy_version (2), random (32), then session id, cipher suites and compression methods by their lengths.
        if (!Skip(ref hello, 34) || !SkipVector(ref hello, 1) || !SkipVector(ref hello, 2) || !SkipVector(ref hello, 1))
            return ClientHelloKind.Unknown;
        if (hello.IsEmpty) return ClientHelloKind.Tls12OrOlder; // no extensions at all
        if (hello.Length < 2) return ClientHelloKind.Unknown;
        var extensions = hello[2..];
        if (extensions.Length < BinaryPrimitives.ReadUInt16BigEndian(hello)) return ClientHelloKind.Unknown;
        while (extensions.Length >= 4)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            var length = BinaryPrimitives.ReadUInt16BigEndian(extensions[2..]);
            if (extensions.Length < 4 + length) return ClientHelloKind.Unknown;
            if (type == SupportedVersionsExtension) return OffersTls13(extensions.Slice(4, length));
            extensions = extensions[(4 + length)..];
        }
        return ClientHelloKind.Tls12OrOlder;
    }

    private static ClientHelloKind OffersTls13(ReadOnlySpan<byte> versions)
    {
        if (versions.IsEmpty || versions.Length < 1 + versions[0]) return ClientHelloKind.Unknown;
        var list = versions.Slice(1, versions[0]);
        for (var i = 0; i + 1 < list.Length; i += 2)
            if (BinaryPrimitives.ReadUInt16BigEndian(list[i..]) == Tls13) return ClientHelloKind.OffersTls13;
        return ClientHelloKind.Tls12OrOlder;
    }

    private static bool Skip(ref ReadOnlySpan<byte> data, int count)
    {
        if (data.Length < count) return false;
        data = data[count..];
        return true;
    }

    private static bool SkipVector(ref ReadOnlySpan<byte> data, int lengthBytes)
    {
        if (data.Length < lengthBytes) return false;
        var length = lengthBytes == 1 ? data[0] : BinaryPrimitives.ReadUInt16BigEndian(data);
        return Skip(ref data, lengthBytes + length);
    }
}
