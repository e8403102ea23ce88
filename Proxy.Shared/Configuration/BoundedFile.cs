using System.Text;

namespace Proxy.Shared.Configuration;

/// <summary>Reads a small text file the config names (API keys, Basic users) with a size cap, so a path that names a
/// device or a huge file (<c>/dev/zero</c>, a log) fails with a message instead of reading without end.</summary>
public static class BoundedFile
{
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <exception cref="IOException">The file is larger than <see cref="MaxBytes"/> (or cannot be read).</exception>
    public static string ReadAllText(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var buffer = new byte[Math.Min(MaxBytes + 1, 64 * 1024)];
        using var content = new MemoryStream();
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            content.Write(buffer, 0, n);
            if (content.Length > MaxBytes) throw new IOException($"larger than {MaxBytes / (1024 * 1024)} MiB: not a keys or users file");
        }
        // As File.ReadAllText: a UTF-8 byte order mark is not text.
        return Encoding.UTF8.GetString(content.GetBuffer(), 0, (int)content.Length).TrimStart('\uFEFF');
    }
}
