namespace Proxy.Shared.Http;

/// <summary>
/// Ordered header fields as received (names keep their case, repeated fields stay separate so they are
/// forwarded byte for byte). Lookups are case-insensitive; a list beats a dictionary for the ~10 fields a
/// request usually carries.
/// </summary>
public sealed class HttpHeaderList
{
    private readonly List<KeyValuePair<string, string>> _fields;

    public HttpHeaderList(int capacity = 12) => _fields = new List<KeyValuePair<string, string>>(capacity);

    public int Count => _fields.Count;

    public KeyValuePair<string, string> this[int index] => _fields[index];

    public void Add(string name, string value) => _fields.Add(new KeyValuePair<string, string>(name, value));

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        for (var i = 0; i < _fields.Count; i++)
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
                return _fields[i].Value;
        return null;
    }

    public bool Contains(string name) => IndexOf(name, 0) >= 0;

    public int IndexOf(string name, int start)
    {
        for (var i = start; i < _fields.Count; i++)
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
                return i;
        return -1;
    }

    /// <summary>Removes every field named <paramref name="name"/>; returns how many were removed.</summary>
    public int Remove(string name)
    {
        var removed = 0;
        for (var i = _fields.Count - 1; i >= 0; i--)
        {
            if (!string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase)) continue;
            _fields.RemoveAt(i);
            removed++;
        }
        return removed;
    }

    public void RemoveAt(int index) => _fields.RemoveAt(index);

    /// <summary>Replaces all fields named <paramref name="name"/> with one field.</summary>
    public void Set(string name, string value)
    {
        var i = IndexOf(name, 0);
        if (i < 0) { Add(name, value); return; }
        _fields[i] = new KeyValuePair<string, string>(_fields[i].Key, value);
        while ((i = IndexOf(name, i + 1)) >= 0) _fields.RemoveAt(i--);
    }

    public void Clear() => _fields.Clear();

    public List<KeyValuePair<string, string>>.Enumerator GetEnumerator() => _fields.GetEnumerator();
}
