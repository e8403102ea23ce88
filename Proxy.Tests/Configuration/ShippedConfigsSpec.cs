using Proxy.Shared.Configuration;
using Proxy.Tests.Integration.Support;
using Xunit;

namespace Proxy.Tests.Configuration;

/// <summary>The configs we ship (cluster.hocon, examples/) load without a single problem.</summary>
public sealed class ShippedConfigsSpec
{
    public static TheoryData<string> Files()
    {
        var root = Repository.Root;
        var data = new TheoryData<string> { Path.Combine(root, "cluster.hocon") };
        foreach (var file in Directory.GetFiles(Path.Combine(root, "examples"), "*.hocon")) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ShippedConfig_IsValid(string file)
    {
        var result = ProxyConfigLoader.Load(file, new Dictionary<string, string?>());
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
    }

    /// <summary>Every <c>```hocon</c> block of the README and docs/, as "FILE#N" (issue 22: the documented examples
    /// are valid under the current rules — units on durations, hash-key only with consistent-hash, …).</summary>
    public static TheoryData<string> DocumentedExamples()
    {
        var data = new TheoryData<string>();
        foreach (var (file, index, _) in HoconBlocks()) data.Add($"{file}#{index}");
        return data;
    }

    private static IEnumerable<(string File, int Index, string Text)> HoconBlocks()
    {
        var root = Repository.Root;
        var files = new[] { Path.Combine(root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order());
        foreach (var path in files)
        {
            var blocks = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(path), "```hocon\n(.*?)```",
                System.Text.RegularExpressions.RegexOptions.Singleline);
            for (var i = 0; i < blocks.Count; i++) yield return (Path.GetRelativePath(root, path), i, blocks[i].Groups[1].Value);
        }
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    public void DocumentedExample_IsValid(string example)
    {
        var text = HoconBlocks().Single(b => $"{b.File}#{b.Index}" == example).Text;
        // A fragment is a piece of proxy { }: the rest of a minimal config is added around it.
        var config = text.TrimStart().StartsWith("proxy", StringComparison.Ordinal) ? text : $$"""
            proxy {
              {{(text.Contains("listeners", StringComparison.Ordinal) ? "" : "listeners = [ { name = public, address = \"127.0.0.1:0\" } ]")}}
              {{(text.Contains("pools", StringComparison.Ordinal) ? "" : "pools { api { backends = [ \"127.0.0.1:9001\" ] } }")}}
              {{(text.Contains("routes = [", StringComparison.Ordinal) && !text.Contains("rate-limits", StringComparison.Ordinal) ? "" : "routes = [ { name = api, pool = api } ]")}}
            {{text}}
            }
            """;
        var result = ProxyConfigLoader.LoadText(config, new Dictionary<string, string?>(), example);
        Assert.True(result.IsValid, $"{example}:\n{string.Join("\n", result.Problems)}\n{config}");
    }
}
