using System.Runtime.InteropServices;

namespace Proxy.Node.Revisions;

/// <summary>
/// A process started under <c>nohup</c> (or by a parent that ignores SIGHUP) inherits SIGHUP as ignored, and .NET does
/// not install a <see cref="PosixSignalRegistration"/> handler over an ignored signal: SIGHUP would then do nothing. This
/// puts the default disposition back before the node registers its handler.
/// </summary>
/// <remarks>
/// Hand-written interop (libc's <c>signal</c>): no library here resets an inherited disposition, and the runtime's own
/// signal layer deliberately keeps it. Only SIGHUP is touched, before any handler of ours exists.
/// </remarks>
internal static class InheritedSighup
{
    private const int Sighup = 1;
    private static readonly nint Ignore = 1;  // SIG_IGN
    private static readonly nint Default = 0; // SIG_DFL
    private static readonly nint Error = -1;  // SIG_ERR

    /// <summary>False when SIGHUP was ignored and could not be restored (the node says so); true otherwise.</summary>
    public static bool Restore()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return true;
        if (!TryLoadSignal(out var signal)) return false;
        var previous = signal(Sighup, Default);
        if (previous == Error) return false;
        // Anything but "ignored" is left as it was found.
        if (previous != Ignore) signal(Sighup, previous);
        return true;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint SignalFunction(int signal, nint handler);

    private static bool TryLoadSignal(out SignalFunction signal)
    {
        signal = null!;
        foreach (var name in new[] { "libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libSystem.dylib" })
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "signal", out var export))
            {
                signal = Marshal.GetDelegateForFunctionPointer<SignalFunction>(export);
                return true;
            }
        }
        return false;
    }
}
