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
}
