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
        // Akka 1.5's parser loops forever on some malformed text (found by fuzzing, docs/RELIABILITY.md): it runs on
        // a thread of its own, and a parse that does not end in time is a config mistake (a node then exits 2, which
        // ends that thread; the preprocessor reports the shapes known to cause it before Akka sees them).
        var parse = Task.Factory.StartNew(() => ConfigurationFactory.ParseString(rewritten), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (parse.Wait(ParseTimeout))
            {
                if (rewritten.Contains(HoconAppends.MarkerSeparator, StringComparison.Ordinal))
                    HoconAppends.Apply(parse.Result, problemPath, source, problems);
                return problems.Count > before ? null : parse.Result;
            }
        }
        catch (AggregateException ex) when (ex.InnerException is { } inner)
        {
            // Akka's parser throws several exception types (FormatException, ConfigurationException, and
            // others on odd input); all of them mean "this text is not valid HOCON".
            problems.Add(new ConfigProblem(problemPath, $"{source}: {Describe(inner, rewritten)}"));
            return null;
        }
        problems.Add(new ConfigProblem(problemPath, $"{source}: not valid HOCON: the parser did not finish within " +
            $"{ParseTimeout.TotalSeconds:0} s; look for characters HOCON allows only inside quotes (& * ^ ! @ ` ? + $ \\) " +
            "next to brackets or separators, and quote the value"));
        return null;
    }

    /// <summary>Well-formed configs parse in milliseconds; this bounds Akka's parser on text it cannot handle.</summary>
    private static readonly TimeSpan ParseTimeout = TimeSpan.FromSeconds(5);

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
