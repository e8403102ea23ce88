using System.Buffers;
using System.Text;

namespace Proxy.Tests.Http;

/// <summary>
/// Test messages are written as C# strings; every char is one octet (Latin-1), so "\u0080".."\u00FF" stand for
/// obs-text bytes and nothing is silently re-encoded as UTF-8.
/// </summary>
internal static class HttpText
{
    public static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static string Written(Action<IBufferWriter<byte>> write)
    {
        var w = new ArrayBufferWriter<byte>();
        write(w);
        return Text(w.WrittenSpan);
    }
}
