using Proxy.Shared.Caching;
using Xunit;

namespace Proxy.Tests.Caching;

/// <summary>HTTP-date (RFC 9110 §5.6.7): the three forms a recipient accepts, and what is not a date.</summary>
public sealed class HttpDateTests
{
    private static readonly DateTimeOffset Expected = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")] // IMF-fixdate
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")] // obsolete rfc850-date
    [InlineData("Sun Nov  6 08:49:37 1994")] // obsolete asctime-date
    [InlineData("Sun Nov 06 08:49:37 1994")] // asctime with a two-digit day
    [InlineData("sun, 06 nov 1994 08:49:37 gmt")] // names read case-insensitively
    public void AllThreeHttpDateForms_Parse(string text)
    {
        Assert.True(HttpDate.TryParse(text, Now, out var value));
        Assert.Equal(Expected, value);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("yesterday")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 UTC")]
    [InlineData("Sun, 31 Feb 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 24:00:00 GMT")]
    [InlineData("Sun, 6 Nov 1994 08:49:37 GMT")]
    [InlineData("Xyz, 06 Nov 1994 08:49:37 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT extra")]
    public void AGarbageDate_DoesNotParse(string text) => Assert.False(HttpDate.TryParse(text, Now, out _));

    [Fact]
    public void ANullDate_DoesNotParse() => Assert.False(HttpDate.TryParse(null, out _));

    [Fact]
    public void AnRfc850YearMoreThan50YearsAhead_IsInThePast()
    {
        // §5.6.7: a two-digit year that looks more than 50 years in the future is the most recent past such year.
        Assert.True(HttpDate.TryParse("Thursday, 01-Jan-76 00:00:00 GMT", Now, out var old));
        Assert.Equal(1976, old.Year);
        Assert.True(HttpDate.TryParse("Friday, 01-Jan-49 00:00:00 GMT", Now, out var soon));
        Assert.Equal(2049, soon.Year);
    }

    [Fact]
    public void Format_WritesAnImfFixdateInGmt()
    {
        var local = new DateTimeOffset(1994, 11, 6, 10, 49, 37, TimeSpan.FromHours(2));
        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.Format(local));
    }

    [Fact]
    public void ALeapSecond_ReadsAs59()
    {
        Assert.True(HttpDate.TryParse("Sat, 31 Dec 2016 23:59:60 GMT", out var value));
        Assert.Equal(new DateTimeOffset(2016, 12, 31, 23, 59, 59, TimeSpan.Zero), value);
    }
}
