using System.Text.Json;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;
using Xunit;

namespace Proxy.Tests.Integration;

/// <summary>Issue 21, point 4: a line Akka's fallback logger prints to Console.Out while the node stops ("Remoting shut
/// down", seen on some stops of a node that ran ~20 s) reaches stderr in the node's format, never stdout.</summary>
public class AkkaFallbackLinesTests
{
    private const string AkkaLine = "[INFO][12/02/2026 11:23:49.948Z][Thread 0025][remoting (akka://proxy)] Remoting shut down";

    [Fact]
    public void Json_EachLineIsOneObjectWithTheNodesFields()
    {
        var stderr = new StringWriter();
        using var writer = new AkkaFallbackLines(stderr, LogFormat.Json);
        writer.WriteLine(AkkaLine);
        writer.WriteLine("[WARNING][12/02/2026 11:23:49.950Z][Thread 0025][remoting] Association failed");

        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("Information", first.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("Akka", first.RootElement.GetProperty("Category").GetString());
        Assert.Equal("[remoting (akka://proxy)] Remoting shut down", first.RootElement.GetProperty("Message").GetString());
        Assert.True(first.RootElement.TryGetProperty("Timestamp", out _));
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Warning", second.RootElement.GetProperty("LogLevel").GetString());
    }

    [Fact]
    public void Text_HasOneTimestampAndOneLevel()
    {
        var stderr = new StringWriter();
        using var writer = new AkkaFallbackLines(stderr, LogFormat.Text);
        writer.Write(AkkaLine + "\n");
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d\d\d info: Akka\[0\] \[remoting \(akka://proxy\)\] Remoting shut down$", line.TrimEnd('\r'));
    }
}
