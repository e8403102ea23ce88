namespace Proxy.Shared.Configuration;

/// <summary>One mistake found in the config: where it is (a HOCON path such as <c>proxy.routes[1].pool</c>,
/// or <c>config</c> for the file as a whole) and what is wrong.</summary>
public sealed record ConfigProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";

    /// <summary>True when <paramref name="path"/> is this problem's path or lies inside it; used so that a
    /// value already reported as unreadable is not reported a second time by the validator.</summary>
    public bool Covers(string path) =>
        path == Path
        || (path.Length > Path.Length
            && path.StartsWith(Path, StringComparison.Ordinal)
            && (path[Path.Length] == '.' || path[Path.Length] == '['));
}
