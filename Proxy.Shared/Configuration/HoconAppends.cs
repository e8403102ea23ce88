using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Proxy.Shared.Configuration;

/// <summary>
/// HOCON's <c>key += value</c> (<c>key = ${?key} [value]</c>) on top of Akka 1.5's parser, which has no '+=' and
/// overflows its stack on the self-referential substitution it stands for. <see cref="HoconPreprocessor"/> renames
/// each such field to a marker key; after parsing, <see cref="Apply"/> appends every marker's value to the list it
/// names, in the order they were written, and removes the marker.
/// </summary>
internal static class HoconAppends
{
    private const string Separator = "+=#";

    /// <summary>Present in the preprocessed text only when it has a <c>+=</c>.</summary>
    public const string MarkerSeparator = Separator;

    public static string Marker(string key, int n) => $"{key}{Separator}{n.ToString("D6", CultureInfo.InvariantCulture)}";

    public static void Apply(Config config, string problemPath, string source, List<ConfigProblem> problems)
    {
        if (config.Root?.IsObject() == true)
            Apply(config.Root.GetObject(), "", problemPath, source, problems, new HashSet<HoconObject>(ReferenceEqualityComparer.Instance));
    }

    private static void Apply(HoconObject obj, string path, string problemPath, string source, List<ConfigProblem> problems,
        HashSet<HoconObject> visited)
    {
        // Akka's object graph can refer back to an object already on the way (a text that substitutes a path into
        // itself; found by fuzzing): each object is visited once.
        if (!visited.Add(obj)) return;
        foreach (var (key, value) in obj.Items.ToList())
        {
            if (value.IsObject()) Apply(value.GetObject(), Join(path, key), problemPath, source, problems, visited);
        }
        var markers = obj.Items.Keys.Where(k => k.Contains(Separator, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        foreach (var marker in markers)
        {
            var element = obj.Items[marker];
            obj.Items.Remove(marker);
            var key = marker[..marker.IndexOf(Separator, StringComparison.Ordinal)];
            var list = new HoconArray();
            if (obj.Items.TryGetValue(key, out var existing) && !HoconValues.IsNull(existing))
            {
                if (!HoconValues.IsList(existing))
                {
                    problems.Add(new ConfigProblem(problemPath, $"{source}: '{Join(path, key)} +=' appends to a list, but {Join(path, key)} is not a list"));
                    continue;
                }
                list.AddRange(existing.GetArray());
            }
            list.Add(element);
            var appended = new HoconValue();
            appended.AppendValue(list);
            obj.Items[key] = appended;
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
