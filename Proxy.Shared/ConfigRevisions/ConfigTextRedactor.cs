using System.Text.RegularExpressions;

namespace Proxy.Shared.ConfigRevisions;

/// <summary>
/// A config revision's text as <c>pbm config show</c> prints it: the values of secret settings (admin token, passwords,
/// connection strings, Redis, API keys, credentials) and the password of any <c>user:password@</c> in a URL replaced
/// by <c>&lt;redacted&gt;</c>. A <c>${VAR}</c> substitution stays: it names a variable, not a secret.
/// </summary>
public static partial class ConfigTextRedactor
{
    public const string Redacted = "<redacted>";

    /// <summary><c>key = value</c> or <c>key : value</c> (also <c>"key"</c> and <c>a.b.key</c>), the value up to a comma,
    /// closing brace or bracket, comment or the end of the line.</summary>
    [GeneratedRegex("""(?<key>"?[A-Za-z0-9_.-]*(token|password|passwd|secret|connection-string|redis|api-key|credentials)[A-Za-z0-9_-]*"?\s*[=:]\s*)(?<value>"(?:[^"\\]|\\.)*"|[^\s,}\]#]+)""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSetting();

    /// <summary>The password of <c>scheme://user:password@host</c>.</summary>
    [GeneratedRegex("""(?<prefix>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s"]+:)[^@\s"/]+@""", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    public static string Redact(string text)
    {
        var redacted = SecretSetting().Replace(text, m => m.Groups["value"].Value.StartsWith("${", StringComparison.Ordinal)
            ? m.Value
            : m.Groups["key"].Value + "\"" + Redacted + "\"");
        return UrlPassword().Replace(redacted, m => m.Groups["prefix"].Value + Redacted + "@");
    }
}
