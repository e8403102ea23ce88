using System.Text;
using Proxy.Shared.Http;

namespace Proxy.Shared.Caching;

public static partial class CachePolicy
{
    private static readonly string[] VaryStar = ["*"];

    /// <summary>
    /// The request fields a response varies on (RFC 9111 §4.1): the names of every <c>Vary</c> line, lower-cased,
    /// deduplicated and sorted (so <c>Vary: A, B</c> and <c>Vary: b, a</c> give the same list); <c>["*"]</c> when
    /// any member is <c>*</c> (such a response never matches); null when there is no Vary field or it names none.
    /// </summary>
    public static string[]? VaryFields(HttpResponseHead response)
    {
        var headers = response.Headers;
        var index = headers.IndexOf("Vary", 0);
        if (index < 0) return null;
        List<string>? names = null;
        for (; index >= 0; index = headers.IndexOf("Vary", index + 1))
        {
            var value = headers[index].Value.AsSpan();
            var position = 0;
            while (FieldValues.NextElement(value, ref position, out var element))
            {
                if (element is "*") return VaryStar;
                var name = element.ToString().ToLowerInvariant();
                names ??= new List<string>(2);
                if (!names.Contains(name)) names.Add(name);
            }
        }
        if (names is null) return null;
        var result = names.ToArray();
        Array.Sort(result, StringComparer.Ordinal);
        return result;
    }

    /// <summary>
    /// The secondary cache key (RFC 9111 §4.1): the values of the request fields named by
    /// <paramref name="varyFields"/> (as <see cref="VaryFields"/> returns them), one per line as
    /// <c>name=value</c>, or just <c>name</c> when the request lacks the field — so absent never matches present,
    /// even empty. Values are normalised the ways §4.1 allows: several field lines combine into one list joined
    /// with ", "; empty list members are dropped (RFC 9110 §5.6.1); whitespace around commas and semicolons outside
    /// quoted-strings is removed (so <c>gzip,br</c>, <c>gzip , br</c> and two lines give <c>gzip, br</c>). Case is kept.
    /// </summary>
    public static string SecondaryKey(string[] varyFields, HttpHeaderList requestHeaders)
    {
        var sb = new StringBuilder(64);
        for (var f = 0; f < varyFields.Length; f++)
        {
            var name = varyFields[f];
            if (f > 0) sb.Append('\n');
            sb.Append(name);
            var present = false;
            var members = 0;
            for (var i = requestHeaders.IndexOf(name, 0); i >= 0; i = requestHeaders.IndexOf(name, i + 1))
            {
                if (!present) sb.Append('=');
                present = true; // even an empty line makes the field present
                var value = requestHeaders[i].Value.AsSpan();
                var position = 0;
                while (FieldValues.NextElement(value, ref position, out var element))
                {
                    if (members++ > 0) sb.Append(", ");
                    AppendNormalised(sb, element);
                }
            }
        }
        return sb.ToString();
    }

    // Copies one list member, dropping OWS next to ';' when outside a quoted-string.
    private static void AppendNormalised(StringBuilder sb, ReadOnlySpan<char> element)
    {
        var start = sb.Length;
        var quoted = false;
        for (var i = 0; i < element.Length; i++)
        {
            var c = element[i];
            if (quoted)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < element.Length) sb.Append(element[++i]);
                else if (c == '"') quoted = false;
                continue;
            }
            if (c == '"') quoted = true;
            else if (c == ';')
            {
                while (sb.Length > start && sb[^1] is ' ' or '\t') sb.Length--;
                while (i + 1 < element.Length && element[i + 1] is ' ' or '\t') i++;
            }
            sb.Append(c);
        }
    }
}
