using Akka.Configuration.Hocon;

namespace Proxy.Shared.Configuration;

/// <summary>Reads the keys of one HOCON object. Every getter returns null when the key is absent (or
/// <c>null</c>) so the record's default applies, and adds a problem at the key's path instead of throwing
/// when the value has the wrong shape. Keys never asked for are reported by <see cref="ReportUnknownKeys"/>
/// so that typos such as <c>polcy</c> do not pass silently.</summary>
internal sealed class HoconObjectReader
{
    private readonly IDictionary<string, HoconValue> _items;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<ConfigProblem> _problems;

    private HoconObjectReader(IDictionary<string, HoconValue> items, string path, List<ConfigProblem> problems)
    {
        _items = items;
        Path = path;
        _problems = problems;
    }

    public string Path { get; }

    /// <summary>A reader over <paramref name="value"/>, or null (with a problem) if it is not an object.</summary>
    public static HoconObjectReader? For(HoconValue value, string path, List<ConfigProblem> problems, string example)
    {
        if (value.IsObject() && !HoconValues.IsList(value))
            return new HoconObjectReader(value.GetObject().Items, path, problems);
        problems.Add(new ConfigProblem(path, $"expected an object like {example}, got {HoconValues.Describe(value)}"));
        return null;
    }

    public string PathOf(string key) => $"{Path}.{key}";

    public IEnumerable<string> Keys => _items.Keys;

    /// <summary>Marks keys that are accepted but bound elsewhere or by a later feature.</summary>
    public void Accept(params string[] keys)
    {
        foreach (var key in keys) _known.Add(key);
    }

    public HoconValue? Raw(string key)
    {
        _known.Add(key);
        if (!_items.TryGetValue(key, out var v) || HoconValues.IsNull(v)) return null;
        if (HoconValues.IsMissing(v))
        {
            _problems.Add(new ConfigProblem(PathOf(key), "missing value"));
            return null;
        }
        return v;
    }

    public string? String(string key) =>
        Raw(key) is { } v ? HoconValues.ScalarText(v, PathOf(key), _problems, "a string") : null;

    public int? Int(string key) => Parse<int>(key, "a whole number", ConfigUnits.TryParseInt);

    public bool? Switch(string key) => Parse<bool>(key, "on or off", ConfigUnits.TryParseSwitch);

    public TimeSpan? Duration(string key) => Parse<TimeSpan>(key, "a duration", ConfigUnits.TryParseDuration);

    public long? ByteSize(string key) => Parse<long>(key, "a size", ConfigUnits.TryParseByteSize);

    public double? Fraction(string key) => Parse<double>(key, "a percentage", ConfigUnits.TryParseFraction);

    /// <summary>A byte size that must fit an int (header and URI limits).</summary>
    public int? IntByteSize(string key)
    {
        if (ByteSize(key) is not { } size) return null;
        if (size is >= int.MinValue and <= int.MaxValue) return (int)size;
        _problems.Add(new ConfigProblem(PathOf(key), $"size {size} is too large (at most {int.MaxValue} bytes)"));
        return null;
    }

    public IList<HoconValue>? List(string key)
    {
        if (Raw(key) is not { } v) return null;
        if (HoconValues.IsList(v))
        {
            var items = v.GetArray();
            // Akka's HOCON parser reads "[ ]" as a list holding one empty value: that is an empty list.
            return items.Count == 1 && items[0].IsEmpty ? [] : items;
        }
        _problems.Add(new ConfigProblem(PathOf(key), $"expected a list, got {HoconValues.Describe(v)}"));
        return null;
    }

    public HoconObjectReader? Object(string key, string example) =>
        Raw(key) is { } v ? For(v, PathOf(key), _problems, example) : null;

    /// <summary>A value that may be written as one string or as a list of strings (<c>host</c>, <c>methods</c>).</summary>
    public List<string>? StringOrList(string key)
    {
        if (Raw(key) is not { } v) return null;
        if (!HoconValues.IsList(v))
            return HoconValues.ScalarText(v, PathOf(key), _problems, "a string or a list of strings") is { } one ? [one] : null;
        var result = new List<string>();
        var items = v.GetArray();
        for (var i = 0; i < items.Count; i++)
        {
            if (HoconValues.ScalarText(items[i], $"{PathOf(key)}[{i}]", _problems, "a string") is { } s)
                result.Add(s);
        }
        return result;
    }

    public void ReportUnknownKeys()
    {
        foreach (var key in _items.Keys)
        {
            if (!_known.Contains(key))
                _problems.Add(new ConfigProblem(PathOf(key), $"unknown key '{key}'"));
        }
    }

    private delegate bool TryParser<T>(string text, out T value, out string? error);

    private T? Parse<T>(string key, string expected, TryParser<T> parse) where T : struct
    {
        if (Raw(key) is not { } v) return null;
        if (HoconValues.ScalarText(v, PathOf(key), _problems, expected) is not { } text) return null;
        if (parse(text, out var value, out var error)) return value;
        _problems.Add(new ConfigProblem(PathOf(key), error ?? $"expected {expected}, got '{text}'"));
        return null;
    }
}
