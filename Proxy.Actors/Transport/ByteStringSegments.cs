using System.Runtime.CompilerServices;
using Akka.IO;

namespace Proxy.Actors.Transport;

/// <summary>
/// Zero-copy access to the arrays behind a <see cref="ByteString"/>. Akka 1.5 keeps <c>Buffers</c> internal and
/// offers only copying accessors; copying every body chunk once more before a send is the one cost this
/// accessor removes. Pinned to the Akka version in Directory.Packages.props; the transport tests fail at
/// once if the member disappears.
/// </summary>
internal static class ByteStringSegments
{
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Buffers")]
    private static extern IList<ArraySegment<byte>> GetBuffers(ByteString bytes);

    public static IList<ArraySegment<byte>> Of(ByteString bytes) => GetBuffers(bytes);
}
