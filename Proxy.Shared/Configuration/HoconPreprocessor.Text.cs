using System.Globalization;
using System.Text;

namespace Proxy.Shared.Configuration;

// Character-level helpers of the preprocessor: what may stand outside quotes, where strings and items end, quoting.
internal static partial class HoconPreprocessor
{
    /// <summary>Characters HOCON forbids in unquoted text that no other branch of Rewrite consumed: <c>`^?!@*&amp;\</c>, a '+'
    /// that does not start <c>+=</c>, a '$' that does not start a substitution, and control characters (which HOCON
    /// does not list but no config means).</summary>
    private static bool IsOnlyAllowedQuoted(char c, char next) =>
        c is '`' or '^' or '?' or '!' or '@' or '*' or '&' or '\\' or '$'
        || (c == '+' && next != '=')
        || (char.IsControl(c) && c is not ('\t' or '\r' or '\n'));

    /// <summary>The inside of <c>${…}</c>: an optional '?' and a path of unquoted keys joined by dots.</summary>
    private static bool IsSubstitutionPath(string inner)
    {
        var path = inner.StartsWith('?') ? inner[1..] : inner;
        path = path.Trim();
        // "//" starts a comment even there, which leaves the substitution open for Akka (and its parser looping).
        if (path.Length == 0 || path.Contains("//", StringComparison.Ordinal)) return false;
        foreach (var key in path.Split('.'))
        {
            if (key.Length == 0) return false;
            foreach (var ch in key)
            {
                if (char.IsWhiteSpace(ch) || char.IsControl(ch) || "$\"{}[]:=,+#`^?!@*&\\".Contains(ch)) return false;
            }
        }
        return true;
    }

    /// <summary>Index just after the string starting at <paramref name="start"/>, or -1 if it never closes.</summary>
    private static int QuotedStringEnd(string text, int start)
    {
        if (string.CompareOrdinal(text, start, "\"\"\"", 0, 3) == 0)
        {
            var close = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (close < 0) return -1;
            var end = close + 3;
            while (end < text.Length && text[end] == '"') end++; // """a"""" ends with the last quote
            return end;
        }
        for (var j = start + 1; j < text.Length; j++)
        {
            switch (text[j])
            {
                case '\\':
                    j++;
                    break;
                case '"':
                    return j + 1;
                case '\n':
                    return -1;
            }
        }
        return -1;
    }

    private static bool RestOfItemIsEmpty(string text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\r') i++;
        return i >= text.Length
               || text[i] is '\n' or ',' or '#' or '}' or ']'
               || (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/');
    }

    /// <summary>The first character from <paramref name="i"/> on that is not whitespace or inside a comment; '\0' at the end.</summary>
    private static char NextSignificant(string text, int i)
    {
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i])) i++;
            else if (text[i] == '#' || (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                var end = text.IndexOf('\n', i);
                if (end < 0) return '\0';
                i = end;
            }
            else return text[i];
        }
        return '\0';
    }

    /// <summary>Whether a key path (<c>a.b</c>, <c>"a.b".c</c>) has an empty element outside quotes: <c>a.</c>, <c>.a</c>,
    /// <c>a..b</c>. HOCON forbids them, and Akka 1.5's parser can loop forever on <c>[ { m.{ … } } ]</c> (found by
    /// fuzzing).</summary>
    private static bool HasEmptyPathElement(string key)
    {
        var elementHasText = false;
        for (var j = 0; j < key.Length; j++)
        {
            var c = key[j];
            if (c == '"')
            {
                var end = QuotedStringEnd(key, j);
                if (end < 0) return false; // an unclosed string is reported where it starts
                j = end - 1;
                elementHasText = true;
            }
            else if (c == '.')
            {
                if (!elementHasText) return true;
                elementHasText = false;
            }
            else if (!char.IsWhiteSpace(c))
            {
                elementHasText = true;
            }
        }
        return !elementHasText;
    }

    /// <summary>Index of the last '.' outside quotes in a key path, or -1.</summary>
    private static int LastPathSeparator(string key)
    {
        var last = -1;
        for (var j = 0; j < key.Length; j++)
        {
            if (key[j] == '"')
            {
                var end = QuotedStringEnd(key, j);
                if (end < 0) break;
                j = end - 1;
            }
            else if (key[j] == '.') last = j;
        }
        return last;
    }

    /// <summary>A path element's text: quoted parts without their quotes (escapes resolved), unquoted parts as written.</summary>
    private static string PathElementText(string element)
    {
        var text = new StringBuilder(element.Length);
        for (var j = 0; j < element.Length; j++)
        {
            if (element[j] != '"')
            {
                text.Append(element[j]);
                continue;
            }
            var end = QuotedStringEnd(element, j);
            if (end < 0) return text.Append(element, j, element.Length - j).ToString();
            for (var k = j + 1; k < end - 1; k++)
            {
                if (element[k] == '\\' && k + 1 < end - 1) k++;
                text.Append(element[k]);
            }
            j = end - 1;
        }
        return text.ToString().Trim();
    }

    private static string EmptyPathElement(string key) =>
        $"key '{key}' has an empty path element (a dot at its start or end, or two in a row): quote a key that holds a dot";

    /// <summary>HOCON's include statement (<c>include "file"</c>, <c>include required(…)</c>), which this loader does not read.</summary>
    private static bool IsInclude(string key) =>
        key == "include" || (key.StartsWith("include", StringComparison.Ordinal) && (char.IsWhiteSpace(key[7]) || key[7] == '"'));

    private static int SkipComma(string text, int i)
    {
        var j = i;
        while (j < text.Length && text[j] is ' ' or '\t') j++;
        return j < text.Length && text[j] == ',' ? j + 1 : i;
    }

    /// <summary>Nothing but whitespace and comments since <paramref name="from"/> (a comment is no value: `a = // x`
    /// newline `}` made Akka 1.5 loop forever, found by fuzzing).</summary>
    private static bool IsBlank(StringBuilder output, int from)
    {
        if (from < 0) return false;
        for (var k = from; k < output.Length; k++)
        {
            var c = output[k];
            if (c == '#' || c == '/' && k + 1 < output.Length && output[k + 1] == '/')
            {
                while (k < output.Length && output[k] != '\n') k++;
                continue;
            }
            if (!char.IsWhiteSpace(c)) return false;
        }
        return true;
    }

    private static int CountNewlines(string text, int from, int to)
    {
        var n = 0;
        for (var k = from; k < to; k++)
        {
            if (text[k] == '\n') n++;
        }
        return n;
    }

    /// <summary>A HOCON quoted string holding <paramref name="value"/> verbatim.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(ch)) sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(ch);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
