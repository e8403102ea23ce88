namespace Proxy.Shared.Configuration;

/// <summary>One mistake found in the config: where it is (a HOCON path such as <c>proxy.routes[1].pool</c>,
/// or <c>config</c> for the file as a whole) and what is wrong.</summary>
public sealed record ConfigProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";

    /// <summary>True when <paramref name="path"/> is this problem's path or lies inside it; used so that a
    /// value already reported as unreadable is not reported a second time by the validator.</summary>
    public bool Covers(string path) => IsWithin(path, Path);

    /// <summary>True when config path <paramref name="path"/> is <paramref name="outer"/> or lies inside it.</summary>
    public static bool IsWithin(string path, string outer) =>
        path == outer
        || (path.Length > outer.Length
            && path.StartsWith(outer, StringComparison.Ordinal)
            && (path[outer.Length] == '.' || path[outer.Length] == '['));
}
