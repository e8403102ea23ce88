using Akka.Configuration.Hocon;

namespace Proxy.Shared.Configuration;

/// <summary>Shape tests on Akka <see cref="HoconValue"/>s that work around its quirks.</summary>
internal static class HoconValues
{
    /// <summary>Akka's <c>IsArray()</c> is false for an empty list <c>[]</c>, so test the elements' kind.
    /// Akka also keeps the blanks between <c>]</c> and a closing <c>}</c> on the same line as a whitespace
    /// literal next to the list, which must not make it "not a list".</summary>
    public static bool IsList(HoconValue v) =>
        v.Values.Any(e => e.IsArray()) && v.Values.All(e => e.IsArray() || IsBlankLiteral(e));

    private static bool IsBlankLiteral(IHoconElement e) => e is HoconLiteral && string.IsNullOrWhiteSpace(e.GetString());

    /// <summary>The literal <c>null</c> (Akka turns it into a string value whose text is null).</summary>
    public static bool IsNull(HoconValue v) => v.Values.Count > 0 && v.IsString() && v.GetString() is null;

    /// <summary>A key with nothing after it (Akka accepts <c>a = </c> at the end of a file silently).</summary>
    public static bool IsMissing(HoconValue v) => v.Values.Count == 0;

    public static string Describe(HoconValue v) =>
        IsList(v) ? "a list"
        : v.IsObject() ? "an object"
        : IsMissing(v) ? "nothing"
        : v.IsString() ? $"'{v.GetString()}'"
        : "an unreadable value";

    /// <summary>Text of a scalar (string, number, boolean), or null with an error naming what was found.</summary>
    public static string? ScalarText(HoconValue v, string path, List<ConfigProblem> problems, string expected)
    {
        if (!IsList(v) && !v.IsObject() && v.IsString())
            return v.GetString() ?? "";
        problems.Add(new ConfigProblem(path, $"expected {expected}, got {Describe(v)}"));
        return null;
    }
}
