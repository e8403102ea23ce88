using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;

namespace Proxy.Shared.Configuration;

/// <summary>Parses HOCON text (after <see cref="HoconPreprocessor"/>) into an Akka <see cref="Config"/>,
/// turning parser exceptions into problems that name the line.</summary>
internal static partial class HoconText
{
    [GeneratedRegex(@"at position (\d+)")]
    private static partial Regex Position();

    public static Config? Parse(string text, IReadOnlyDictionary<string, string?> environment, string problemPath,
        string source, List<ConfigProblem> problems)
    {
        var before = problems.Count;
        var rewritten = HoconPreprocessor.Rewrite(text, environment, problemPath, source, problems);
        if (problems.Count > before) return null;
        try
        {
            return ConfigurationFactory.ParseString(rewritten);
        }
        catch (Exception ex)
        {
            // Akka's parser throws several exception types (FormatException, ConfigurationException, and
            // others on odd input); all of them mean "this text is not valid HOCON".
            problems.Add(new ConfigProblem(problemPath, $"{source}: {Describe(ex, rewritten)}"));
            return null;
        }
    }

    /// <summary>First line of Akka's message (the rest repeats the whole text), with the character position
    /// turned into a line number.</summary>
    private static string Describe(Exception ex, string text)
    {
        var message = ex.Message.Split('\n', 2)[0].Trim().TrimEnd(':');
        return Position().Replace(message, m =>
        {
            var position = Math.Min(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), text.Length);
            var line = 1;
            for (var k = 0; k < position; k++)
            {
                if (text[k] == '\n') line++;
            }
            return $"at line {line}";
        });
    }
}
