using System.Text;

namespace Proxy.Shared.Configuration;

/// <summary>Rewrites HOCON text before Akka's parser sees it, to cover what that parser (Akka 1.5) gets wrong
/// or leaves out. Line structure is kept, so Akka's error positions still map to the user's lines.</summary>
/// <remarks>
/// What it does, each measured against Akka 1.5.73:
/// <list type="bullet">
/// <item>Environment substitutions. Akka never reads the environment and its <c>${?X}</c> yields null (it
/// even overwrites an earlier value). Here <c>${X}</c>/<c>${?X}</c> whose name has no dot is looked up in the
/// given environment dictionary and replaced by the value as a quoted string; an unset <c>${?X}</c> removes
/// the field (or list element) it is the whole value of, as HOCON specifies, so an earlier value stays.
/// Dotted paths (<c>${akka.x}</c>) are left to Akka, which resolves them inside the same document.</item>
/// <item><c>20%</c>: Akka rejects '%' in unquoted text; a number directly followed by '%' is quoted.</item>
/// <item><c>key { … } next = …</c> (text after an object or list on the same line): Akka takes it; HOCON wants a
/// comma or newline, so it is reported.</item>
/// <item><c>key { … }, next = …</c>: Akka rejects a comma after an object written without '='; inside an
/// object such a comma becomes a space (also a valid separator for Akka).</item>
/// <item><c>key += value</c>: Akka has no '+='; see <see cref="HoconAppends"/>.</item>
/// <item>Unbalanced brackets and unterminated strings: Akka silently accepts some of these; they are
/// reported here with their line.</item>
/// <item>Shapes on which Akka's parser can loop forever (found by fuzzing) are reported here with their line:
/// '=' or ':' directly inside a list or inside a value, an object or list where a key belongs, a key without a value,
/// a key path with an empty element, a triple-quoted string (not supported), characters HOCON allows only inside quotes,
/// a space other than a plain space or tab outside quotes, a substitution whose inside is not a path, a second object
/// right after <c>key { … }</c>.</item>
/// </list>
/// </remarks>
internal static partial class HoconPreprocessor
{
    private enum FieldState { Key, InKey, Value }

    /// <summary>What the current value (object field or list element) is made of so far.</summary>
    private enum ValueKind { None, Simple, Object, List, Substitution }

    /// <summary>One open object or list, and where its current field or element started in the output.</summary>
    private sealed class Frame(char open, int openLine)
    {
        public char Open { get; } = open;
        public int OpenLine { get; } = openLine;
        public bool IsObject => Open != '[';
        public FieldState State { get; set; } = FieldState.Key;
        /// <summary>Output index where the current field (object) or element (list) began; -1 = none yet.</summary>
        public int ItemStart { get; set; } = -1;
        /// <summary>Objects: output index just after the current field's '=' or ':'.</summary>
        public int ValueStart { get; set; } = -1;
        /// <summary>Objects: the line of the current field's '=' or ':'.</summary>
        public int ValueLine { get; set; }
        /// <summary>Objects: the current field's value is an object written right after its key (<c>key { … }</c>).</summary>
        public bool ObjectWithoutSeparator { get; set; }
        public ValueKind Kind { get; set; }
        /// <summary>Inside a value: an object field's after its separator, or a list element.</summary>
        public bool InValue => !IsObject || State == FieldState.Value;
        /// <summary>A field or element began since the bracket opened or since the last comma.</summary>
        public bool HasItemSinceComma { get; set; }
    }

    /// <param name="source">Names the text in problem messages (a file path, an environment variable).</param>
    public static string Rewrite(string text, IReadOnlyDictionary<string, string?> environment, string problemPath,
        string source, List<ConfigProblem> problems)
    {
        var output = new StringBuilder(text.Length + 64);
        var stack = new Stack<Frame>();
        stack.Push(new Frame('\0', 1)); // the root object, braces optional
        var line = 1;
        var lastObjectClose = -1; // output length just after the last '}' that closed an object
        var i = 0;
        // After one bracket mistake the nesting is guesswork: report only the first, the rest would be echoes.
        var bracketsBroken = false;
        var appends = 0;

        void Problem(string message, int? at = null) =>
            problems.Add(new ConfigProblem(problemPath, $"{source}, line {at ?? line}: {message}"));

        // A mistake after which the rest of the text is not read: it is copied as it is, and the problem means Akka
        // never parses the text (HoconText.Parse stops at the preprocessor's problems).
        string Stop(string message, int? at = null)
        {
            Problem(message, at);
            output.Append(text, i, text.Length - i);
            return output.ToString();
        }

        // `{ a }`, `a, b = 1`: a key with neither a separator nor an object after it. Akka 1.5's parser can loop
        // forever on it inside a list (`[ {a} ]`, found by fuzzing), so the text never reaches it.
        string KeyWithoutValue(Frame top)
        {
            var key = KeyText(top);
            return Stop(IsInclude(key)
                ? "'include' is not supported: write the settings in this file"
                : $"'{key}' has no value: write {key} = value, or {key} {{ … }}");
        }

        string KeyText(Frame top) => output.ToString(top.ItemStart, output.Length - top.ItemStart).Trim();

        // The key of a field whose separator was written (without the separator).
        string KeyBefore(Frame top) => output.ToString(top.ItemStart, Math.Max(0, top.ValueStart - 1 - top.ItemStart)).Trim();

        // Called where a key ends (at its separator or object): a path with an empty element stops the load.
        string? KeyPathProblem(Frame top) => KeyText(top) is var key && HasEmptyPathElement(key) ? Stop(EmptyPathElement(key)) : null;

        // Text (unquoted, quoted, a number) where a value may start or go on. HOCON joins text only with text (or a
        // substitution): `timeouts { … } header = X` needs a comma or newline after the object, and Akka 1.5 looped
        // forever on `[ { a { p = x } 2 } ]` (found by fuzzing).
        string? BeginText(Frame top)
        {
            if (top.InValue && top.Kind is ValueKind.Object or ValueKind.List)
                return Stop($"text right after {(top.Kind == ValueKind.Object ? "an object" : "a list")} in one value: put a comma or newline between them");
            StartText(top, output);
            return null;
        }

        void BracketProblem(string message)
        {
            if (!bracketsBroken) Problem(message);
            bracketsBroken = true;
        }

        while (i < text.Length)
        {
            var c = text[i];
            var top = stack.Peek();
            var next = i + 1 < text.Length ? text[i + 1] : '\0';

            if (c == '"')
            {
                // Triple-quoted (multi-line) strings: Akka 1.5 reads one as a key as an empty key, splits runs of quotes
                // around them differently from HOCON and loops forever on some (found by fuzzing, four times). A proxy
                // config needs no multi-line value, so they are refused rather than guessed at.
                if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
                    return Stop("triple-quoted (multi-line) strings are not supported: write \"…\" (\\n for a line break)");
                if (BeginText(top) is { } stopped) return stopped;
                var end = QuotedStringEnd(text, i);
                if (end < 0) return Stop("string is not closed");
                line += CountNewlines(text, i, end);
                output.Append(text, i, end - i);
                i = end;
            }
            else if (c == '#' || (c == '/' && next == '/'))
            {
                var end = text.IndexOf('\n', i);
                if (end < 0) end = text.Length;
                output.Append(text, i, end - i);
                i = end;
            }
            else if (c == '\n')
            {
                if (top.IsObject && top.State == FieldState.InKey && NextSignificant(text, i + 1) != '{')
                    return KeyWithoutValue(top);
                output.Append(c);
                line++;
                i++;
                // `key` newline `{ … }`: the object is the key's value; `key =` newline `value`: as JSON allows.
                if (top.IsObject && top.State == FieldState.InKey) continue;
                if (top.IsObject && top.State == FieldState.Value && IsBlank(output, top.ValueStart)) continue;
                // A newline ends a field or list element just like a comma.
                top.State = FieldState.Key;
                top.Kind = ValueKind.None;
                top.ItemStart = -1;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                output.Append(c);
                i++;
            }
            else if (char.IsWhiteSpace(c))
            {
                // A no-break space (pasted from a web page), a form feed, U+2028…: HOCON counts them as whitespace,
                // Akka 1.5 does not everywhere and can loop forever on one (found by fuzzing).
                return Stop($"U+{(int)c:X4} (a space other than a plain space or tab) outside quotes: replace it with a space");
            }
            else if (c is ',' or '}' && top.IsObject && top.State == FieldState.InKey)
            {
                return KeyWithoutValue(top);
            }
            else if (c == ',' && !top.HasItemSinceComma)
            {
                // `[,1]`, `[1,,2]`: HOCON allows one comma after an item (and a trailing one), no more.
                return Stop("',' without a value before it: remove it");
            }
            else if (c is ',' or '}' && top.IsObject && top.State == FieldState.Value && IsBlank(output, top.ValueStart))
            {
                return Stop($"'{KeyBefore(top)}' has no value after its separator", top.ValueLine);
            }
            else if (c == ',')
            {
                i++;
                top.HasItemSinceComma = false;
                // Only after `key { … }` (which Akka rejects a comma after); after `key = { … }` Akka wants the comma,
                // and a space there made it loop forever on `[ { h = { … } l =s } ]` (found by fuzzing).
                var afterObject = lastObjectClose >= 0 && IsBlank(output, lastObjectClose) && top.ObjectWithoutSeparator;
                output.Append(top.IsObject && afterObject ? ' ' : ',');
                if (top.IsObject) top.State = FieldState.Key;
                top.Kind = ValueKind.None;
                top.ItemStart = -1;
            }
            else if ((c is '=' or ':' || (c == '+' && next == '=')) && top.IsObject && top.State == FieldState.Key)
            {
                // `{ = 1 }`: Akka 1.5's parser can loop forever on a separator without a key (found by fuzzing).
                return Stop($"'{c}' without a key before it");
            }
            else if (c is '{' or '[' && top.IsObject && top.Open != '\0' && top.State == FieldState.Key)
            {
                // `{ name = p, { … } }`: an object or list where a key belongs is never valid HOCON, and Akka 1.5's
                // parser can loop forever on it (found by fuzzing).
                return Stop($"'{c}' where a key belongs: write key = {c} … {(c == '{' ? '}' : ']')}");
            }
            else if (c is '{' or '[')
            {
                StartToken(top, output);
                if (top.IsObject && top.State == FieldState.InKey)
                {
                    if (KeyPathProblem(top) is { } stopped) return stopped;
                    // HOCON lets only an object follow its key without '=' (`s[]{…}` made Akka 1.5 loop forever).
                    if (c == '[') return Stop($"'{KeyText(top)}' needs '=' before a list: {KeyText(top)} = [ … ]");
                    top.ObjectWithoutSeparator = true;
                    top.State = FieldState.Value;
                    top.ValueStart = output.Length;
                    top.Kind = ValueKind.None;
                }
                // HOCON joins objects with objects and lists with lists (and either with a substitution), never
                // with text or with each other: `x { … }`, `[ … ] { … }` (Akka 1.5 can loop forever on them).
                var kind = c == '{' ? ValueKind.Object : ValueKind.List;
                // `a { … } { … }`: a second object after a key without '=' (Akka 1.5 looped forever on it inside a list
                // element, found by fuzzing); with '=' it is HOCON's object merge and Akka reads it.
                if (c == '{' && top.IsObject && top.ObjectWithoutSeparator && top.Kind == ValueKind.Object)
                {
                    var key = output.ToString(top.ItemStart, top.ValueStart - top.ItemStart).Trim();
                    return Stop($"a second object right after '{key} {{ … }}': merge them into one, or write {key} = {{ … }} {{ … }}");
                }
                if (top.Kind == ValueKind.Simple) return Stop($"text and {(c == '{' ? "an object" : "a list")} in one value: quote the text or put a comma or newline between them");
                if (top.Kind is ValueKind.Object or ValueKind.List && top.Kind != kind) return Stop("a list and an object in one value: put a comma or newline between them");
                if (top.Kind == ValueKind.None) top.Kind = kind;
                output.Append(c);
                stack.Push(new Frame(c, line));
                i++;
            }
            else if (c is '}' or ']')
            {
                output.Append(c);
                i++;
                if (stack.Count == 1)
                {
                    BracketProblem($"'{c}' has no matching opening bracket");
                    continue;
                }
                if (c != (top.Open == '[' ? ']' : '}'))
                {
                    // Keep the open bracket: the stray closer is the likelier mistake.
                    BracketProblem($"'{c}' does not close the '{top.Open}' opened at line {top.OpenLine}");
                    continue;
                }
                stack.Pop();
                if (top.IsObject) lastObjectClose = output.Length;
            }
            else if (c is '=' or ':' && !top.IsObject)
            {
                // A key separator straight inside a list is never valid HOCON (both characters are forbidden in
                // unquoted text), and Akka 1.5's parser loops forever on some of these (found by fuzzing:
                // `[ { name = r } = r ]`), so the text never reaches it.
                return Stop($"'{c}' inside a list: a list holds values (write {{ key {c} value }} for an object, or quote the text)");
            }
            else if (c is '=' or ':' && top.IsObject && top.State == FieldState.Value)
            {
                // `a = b:c`, `o:::`: both characters are forbidden in unquoted text, and a second separator made Akka
                // 1.5's parser loop forever (found by fuzzing).
                return Stop($"'{c}' inside a value: quote the value (\"…\")");
            }
            else if (c is '=' or ':' && top.IsObject && top.State == FieldState.InKey)
            {
                if (KeyPathProblem(top) is { } stopped) return stopped;
                output.Append(c);
                i++;
                top.ObjectWithoutSeparator = false;
                top.State = FieldState.Value;
                top.ValueStart = output.Length;
                top.ValueLine = line;
                top.Kind = ValueKind.None;
            }
            else if (c == '$' && next == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    return Stop("substitution ${ is not closed");
                }
                var inner = text[(i + 2)..close];
                if (!IsSubstitutionPath(inner))
                {
                    return Stop("substitution ${…} does not hold a path: write ${NAME}, ${?NAME} or ${a.b}");
                }
                i = close + 1;
                if (top.InValue && top.Kind == ValueKind.None) top.Kind = ValueKind.Substitution;
                Substitute(inner, text, ref i, top, output, environment);
            }
            else if (c == '%')
            {
                // Text like any other (`{ % }` is a key without a value, found by fuzzing); `20%` is quoted for Akka.
                if (BeginText(top) is { } stopped) return stopped;
                QuotePercent(output);
                i++;
            }
            else if (c == '+' && next == '=' && top.IsObject && top.State == FieldState.InKey)
            {
                // `key += value` (HOCON: key = ${?key} [value]). Akka 1.5 has no '+=' and overflows its stack on the
                // self-reference it stands for, so the field is renamed to a marker that HoconAppends folds into
                // the list after parsing.
                if (KeyPathProblem(top) is { } stopped) return stopped;
                MarkAppend(output, top.ItemStart, appends++);
                output.Append('=');
                i += 2;
                top.ObjectWithoutSeparator = false;
                top.State = FieldState.Value;
                top.ValueStart = output.Length;
                top.ValueLine = line;
                top.Kind = ValueKind.None;
            }
            else if (IsOnlyAllowedQuoted(c, next))
            {
                // HOCON forbids these characters in unquoted text, and Akka 1.5's parser can loop forever on them
                // next to brackets or separators (found by fuzzing), so the text never reaches it.
                return Stop(char.IsControl(c)
                    ? $"control character U+{(int)c:X4} outside quotes: remove it"
                    : $"'{c}' is allowed only inside quotes: quote the value (\"…\")");
            }
            else
            {
                if (BeginText(top) is { } stopped) return stopped;
                output.Append(c);
                i++;
            }
        }

        if (stack.Peek() is { IsObject: true, State: FieldState.InKey } unfinished) return KeyWithoutValue(unfinished);
        if (stack.Peek() is { IsObject: true, State: FieldState.Value } last && IsBlank(output, last.ValueStart))
            return Stop($"'{KeyBefore(last)}' has no value after its separator", last.ValueLine);
        if (stack.Count > 1 && !bracketsBroken)
        {
            var open = stack.Peek();
            problems.Add(new ConfigProblem(problemPath,
                $"{source}, line {open.OpenLine}: '{open.Open}' is never closed (end of text reached)"));
        }
        return output.ToString();
    }

    private static void Substitute(string inner, string text, ref int i, Frame top, StringBuilder output,
        IReadOnlyDictionary<string, string?> environment)
    {
        var optional = inner.StartsWith('?');
        var path = inner.TrimStart('?').Trim();
        var isEnvironmentName = path.Length > 0 && !path.Contains('.');

        if (isEnvironmentName && environment.TryGetValue(path, out var value) && value is not null)
        {
            StartToken(top, output);
            output.Append(Quote(value));
            return;
        }
        if (!optional || !isEnvironmentName)
        {
            // Left to Akka: a document path, or a required name that is not set (Akka then reports
            // "Unresolved substitution" unless the document defines it). Akka has no optional form.
            StartToken(top, output);
            output.Append("${").Append(path).Append('}');
            return;
        }

        // An unset optional substitution: the field or element it makes up is not set at all.
        if (!RestOfItemIsEmpty(text, i)) return; // part of a concatenation: contributes nothing
        if (top.IsObject && top.State == FieldState.Value && top.ItemStart >= 0 && IsBlank(output, top.ValueStart))
        {
            output.Length = top.ItemStart;
            top.State = FieldState.Key;
            top.Kind = ValueKind.None;
            top.ItemStart = -1;
            i = SkipComma(text, i);
        }
        else if (!top.IsObject && top.ItemStart < 0)
        {
            i = SkipComma(text, i);
        }
    }

    /// <summary>Renames the key written since <paramref name="keyStart"/> (its last path segment) to the
    /// <see cref="HoconAppends"/> marker for the <paramref name="n"/>-th append in the text.</summary>
    private static void MarkAppend(StringBuilder output, int keyStart, int n)
    {
        var key = output.ToString(keyStart, output.Length - keyStart).TrimEnd();
        output.Length = keyStart;
        // The last path separator outside quotes: a dot inside a quoted part (`".=["p += e`, found by fuzzing) is
        // part of the key, and splitting there left a quote open for Akka, which then looped forever.
        var lastDot = LastPathSeparator(key);
        var prefix = lastDot >= 0 ? key[..(lastDot + 1)] : "";
        var last = PathElementText(key[(lastDot + 1)..]);
        output.Append(prefix).Append(Quote(HoconAppends.Marker(last, n))).Append(' ');
    }

    /// <summary>Text (unquoted, quoted or a number) at the current output position: starts a field or element if none
    /// has begun, and makes an empty value a simple one.</summary>
    private static void StartText(Frame top, StringBuilder output)
    {
        StartToken(top, output);
        if (top.InValue && top.Kind == ValueKind.None) top.Kind = ValueKind.Simple;
    }

    /// <summary>Marks the start of a field (object) or element (list) at the current output position.</summary>
    private static void StartToken(Frame top, StringBuilder output)
    {
        top.HasItemSinceComma = true;
        if (top.IsObject)
        {
            if (top.State != FieldState.Key) return;
            top.ItemStart = output.Length;
            top.State = FieldState.InKey;
        }
        else if (top.ItemStart < 0)
        {
            top.ItemStart = output.Length;
        }
    }

    /// <summary>"20%" (unquoted) → "\"20%\"".</summary>
    private static void QuotePercent(StringBuilder output)
    {
        var start = output.Length;
        while (start > 0 && (char.IsAsciiDigit(output[start - 1]) || output[start - 1] == '.')) start--;
        if (start > 0 && output[start - 1] == '-') start--;
        var hasNumber = start < output.Length;
        var standsAlone = start == 0 || char.IsWhiteSpace(output[start - 1]) || "=:[,{".Contains(output[start - 1]);
        if (hasNumber && standsAlone)
        {
            output.Insert(start, '"');
            output.Append("%\"");
        }
        else
        {
            output.Append('%');
        }
    }
}
