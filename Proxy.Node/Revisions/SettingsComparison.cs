using System.Text.Json;

namespace Proxy.Node.Revisions;

/// <summary>Whether two settings records say the same, compared by what they serialize to: the records hold lists, which
/// record equality compares by reference, and a revision's settings are parsed anew.</summary>
internal static class SettingsComparison
{
    private static readonly JsonSerializerOptions Json = new();

    public static bool Same<T>(T a, T b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);
}
