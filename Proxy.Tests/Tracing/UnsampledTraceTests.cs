using System.Diagnostics;
using Proxy.Actors.Tracing;
using Xunit;

namespace Proxy.Tests.Tracing;

public class UnsampledTraceTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    [Theory]
    [InlineData("00-" + TraceId + "-00f067aa0ba902b7-01", true)]
    [InlineData("00-" + TraceId + "-00f067aa0ba902b7-00", false)]
    [InlineData("00-" + TraceId + "-00f067aa0ba902b7-03", true)]
    [InlineData("01-" + TraceId + "-00f067aa0ba902b7-01-later-fields", true)]
    [InlineData("cc-" + TraceId + "-00f067aa0ba902b7-00", false)]
    public void AValidTraceparent_GivesItsTraceIdAndSampledFlag(string header, bool sampled)
    {
        Assert.True(UnsampledTrace.TryParse(header, out var id, out var isSampled));
        Assert.Equal(UInt128.Parse(TraceId, System.Globalization.NumberStyles.AllowHexSpecifier), id);
        Assert.Equal(sampled, isSampled);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-" + TraceId + "-00f067aa0ba902b7-0")]                  // short
    [InlineData("00-" + TraceId + "-00f067aa0ba902b7-01-extra")]           // version 00 has nothing after the flags
    [InlineData("ff-" + TraceId + "-00f067aa0ba902b7-01")]                 // version ff is invalid
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")] // upper case
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // zero trace id
    [InlineData("00-" + TraceId + "-0000000000000000-01")]                 // zero parent id
    [InlineData("00-" + TraceId + "-00f067aa0ba902bx-01")]                 // not hex
    [InlineData("00-" + TraceId + "+00f067aa0ba902b7-01")]                 // separator
    [InlineData("00-4bf92f3577b34da6-a3ce929d0e0e4736-00f067aa0ba902b7-01")] // wrong layout
    [InlineData("01-" + TraceId + "-00f067aa0ba902b7-01x")]                // a later version's fields start with '-'
    public void AnInvalidTraceparent_IsNotAParent(string? header)
    {
        Assert.False(UnsampledTrace.TryParse(header, out _, out _));
    }

    [Fact]
    public void TheTraceparentSentUpstream_KeepsTheTraceId_WithANewParentEachTime_NotSampled()
    {
        UnsampledTrace.TryParse("00-" + TraceId + "-00f067aa0ba902b7-01", out var id, out _);
        var trace = new UnsampledTrace(id, "vendor=1");
        var first = trace.TraceParent();
        var second = trace.TraceParent();
        Assert.True(ActivityContext.TryParse(first, null, out var parsed));
        Assert.Equal(TraceId, parsed.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.None, parsed.TraceFlags);
        Assert.NotEqual(first, second);
        Assert.StartsWith("00-" + TraceId + "-", second);
    }

    [Fact]
    public void NewRoots_AreValidAndDistinct()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => UnsampledTrace.NewRoot()).ToList();
        Assert.Equal(100, ids.Select(t => t.TraceId).Distinct().Count());
        Assert.All(ids, t => Assert.True(UnsampledTrace.TryParse(t.TraceParent(), out var back, out var sampled) && back == t.TraceId && !sampled));
    }
}
