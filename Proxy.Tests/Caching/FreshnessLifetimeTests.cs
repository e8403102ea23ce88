using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Freshness lifetime (RFC 9111 §4.2.1) and current age (§4.2.3).</summary>
public sealed class FreshnessLifetimeTests
{
    private const string Date = "Sun, 06 Nov 1994 08:49:37 GMT";
    private static readonly DateTimeOffset DateValue = new(1994, 11, 6, 8, 49, 37, TimeSpan.Zero);

    private static TimeSpan Lifetime(CacheSettings settings, params (string, string)[] fields)
    {
        var response = Response(200, fields);
        return CachePolicy.FreshnessLifetime(response, CacheControl.Parse(response.Headers), settings);
    }

    private static TimeSpan Lifetime(params (string, string)[] fields) => Lifetime(CacheSettings.Default, fields);

    [Fact]
    public void SMaxAge_ComesBeforeMaxAge()
        => Assert.Equal(TimeSpan.FromSeconds(30), Lifetime(("Cache-Control", "max-age=60, s-maxage=30")));

    [Fact]
    public void MaxAge_ComesBeforeExpires()
        => Assert.Equal(TimeSpan.FromSeconds(60), Lifetime(("Cache-Control", "max-age=60"), ("Date", Date), ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT")));

    [Fact]
    public void Expires_CountsFromDate()
        => Assert.Equal(TimeSpan.FromHours(1), Lifetime(("Date", Date), ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT")));

    [Fact]
    public void ExpiresInAnObsoleteForm_CountsFromDate()
        => Assert.Equal(TimeSpan.FromHours(1), Lifetime(("Date", Date), ("Expires", "Sun Nov  6 09:49:37 1994")));

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("never")]
    [InlineData("Sun, 06 Nov 1994 07:49:37 GMT")] // before Date
    public void AnInvalidOrPastExpires_MeansAlreadyExpired(string expires)
    {
        // §5.3: an invalid Expires, especially "0", represents a time in the past.
        var settings = CacheSettings.Default with { DefaultTtl = TimeSpan.FromMinutes(5) };
        Assert.Equal(TimeSpan.Zero, Lifetime(settings, ("Date", Date), ("Expires", expires)));
    }

    [Fact]
    public void ExpiresWithoutDate_UsesTheResponseTime()
    {
        // §4.2.1: without Date, the time the message was received.
        var response = Response(200, ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT"));
        var cc = CacheControl.Parse(response.Headers);
        Assert.Equal(TimeSpan.FromMinutes(30), CachePolicy.FreshnessLifetime(response, cc, CacheSettings.Default, DateValue.AddMinutes(30)));
        Assert.Equal(TimeSpan.Zero, CachePolicy.FreshnessLifetime(response, cc, CacheSettings.Default));
    }

    [Fact]
    public void AnInvalidMaxAge_MeansStaleEvenWithADefaultTtl()
    {
        // §4.2.1: responses with invalid freshness information are considered stale.
        var settings = CacheSettings.Default with { DefaultTtl = TimeSpan.FromMinutes(5) };
        Assert.Equal(TimeSpan.Zero, Lifetime(settings, ("Cache-Control", "max-age=5x"), ("Date", Date), ("Expires", "Sun, 06 Nov 1994 09:49:37 GMT")));
    }

    [Fact]
    public void WithoutExplicitExpiration_TheDefaultTtlApplies()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), Lifetime(CacheSettings.Default with { DefaultTtl = TimeSpan.FromMinutes(5) }, ("Date", Date)));
        Assert.Equal(TimeSpan.Zero, Lifetime(("Date", Date)));
    }

    [Fact]
    public void CurrentAge_WithoutAgeOrSkew_IsTheResidentTime()
    {
        var response = Response(200, ("Date", Date));
        var age = CachePolicy.CurrentAge(response, DateValue, DateValue, DateValue.AddSeconds(42));
        Assert.Equal(TimeSpan.FromSeconds(42), age);
    }

    [Fact]
    public void CurrentAge_AddsTheAgeFieldAndTheResponseDelay()
    {
        // §4.2.3: corrected_age_value = age_value + response_delay (2 s), beating an apparent age of 0.
        var response = Response(200, ("Date", Date), ("Age", "100"));
        var age = CachePolicy.CurrentAge(response, DateValue.AddSeconds(-2), DateValue, DateValue.AddSeconds(10));
        Assert.Equal(TimeSpan.FromSeconds(100 + 2 + 10), age);
    }

    [Fact]
    public void CurrentAge_UsesTheApparentAgeWhenDateIsSkewedFurtherBack()
    {
        // §4.2.3: Date 300 s before the response arrived, Age 100: corrected_initial_age = max(300, 101) = 300.
        var response = Response(200, ("Date", Date), ("Age", "100"));
        var requestTime = DateValue.AddSeconds(299);
        var responseTime = DateValue.AddSeconds(300);
        Assert.Equal(TimeSpan.FromSeconds(300 + 5), CachePolicy.CurrentAge(response, requestTime, responseTime, responseTime.AddSeconds(5)));
    }

    [Fact]
    public void CurrentAge_IgnoresADateInTheFuture()
    {
        // §4.2.3: apparent_age = max(0, response_time - date_value).
        var response = Response(200, ("Date", "Sun, 06 Nov 1994 09:49:37 GMT"));
        Assert.Equal(TimeSpan.FromSeconds(7), CachePolicy.CurrentAge(response, DateValue, DateValue, DateValue.AddSeconds(7)));
    }

    [Theory]
    [InlineData("abc", 0)]
    [InlineData("-5", 0)]
    [InlineData("7, 9", 7)] // §5.1: the first member of a list-based Age
    public void AnInvalidAge_CountsAsZero(string ageField, int expectedAgeValue)
    {
        var response = Response(200, ("Date", Date), ("Age", ageField));
        Assert.Equal(TimeSpan.FromSeconds(expectedAgeValue), CachePolicy.CurrentAge(response, DateValue, DateValue, DateValue));
    }

    [Fact]
    public void AMissingDate_IsTheResponseTime()
    {
        var response = Response(200, ("Age", "10"));
        var t = DateValue;
        Assert.Equal(TimeSpan.FromSeconds(13), CachePolicy.CurrentAge(response, t.AddSeconds(-1), t, t.AddSeconds(2)));
    }

    [Fact]
    public void TheAgeFieldValue_IsWholeSeconds()
    {
        Assert.Equal("12", CachePolicy.AgeFieldValue(TimeSpan.FromSeconds(12.9)));
        Assert.Equal("0", CachePolicy.AgeFieldValue(TimeSpan.FromSeconds(-3)));
        Assert.Equal("2147483648", CachePolicy.AgeFieldValue(TimeSpan.FromDays(100_000)));
    }
}
