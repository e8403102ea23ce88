using Proxy.Shared.Caching;
using Xunit;
using static Proxy.Tests.Caching.CacheMessages;

namespace Proxy.Tests.Caching;

/// <summary>Reuse of a stored response (RFC 9111 §4.2, §4.2.4, §5.2; RFC 5861).</summary>
public sealed class EvaluateTests
{
    private static CacheControl Cc(string? value) => value is null ? CacheControl.None : CacheControl.Parse(Headers(("Cache-Control", value)));

    private static Freshness Evaluate(int lifetime, int age, string? response, string? request = null, CacheSettings? settings = null)
        => CachePolicy.Evaluate(TimeSpan.FromSeconds(lifetime), TimeSpan.FromSeconds(age), Cc(response), Cc(request),
            settings ?? CacheSettings.Default);

    [Fact]
    public void AResponseYoungerThanItsLifetime_IsFresh() => Assert.Equal(Freshness.Fresh, Evaluate(60, 59, "max-age=60"));

    [Fact]
    public void AResponseAsOldAsItsLifetime_IsStale()
    {
        // §4.2: response_is_fresh = (freshness_lifetime > current_age).
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 60, "max-age=60"));
    }

    [Fact]
    public void AResponseWithNoCache_AlwaysRevalidates() => Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 1, "max-age=60, no-cache"));

    [Fact]
    public void ARequestWithNoCache_Revalidates() => Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 1, "max-age=60", "no-cache"));

    [Fact]
    public void ARequestWithPragmaNoCache_Revalidates()
    {
        // §5.4
        var request = CacheControl.ParseRequest(Headers(("Pragma", "no-cache")));
        Assert.Equal(Freshness.MustRevalidate,
            CachePolicy.Evaluate(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), Cc("max-age=60"), request, CacheSettings.Default));
    }

    [Fact]
    public void ARequestMaxAge_AcceptsOnlyYoungerResponses()
    {
        // §5.2.1.1
        Assert.Equal(Freshness.Fresh, Evaluate(600, 30, "max-age=600", "max-age=30"));
        Assert.Equal(Freshness.MustRevalidate, Evaluate(600, 31, "max-age=600", "max-age=30"));
        Assert.Equal(Freshness.MustRevalidate, Evaluate(600, 1, "max-age=600", "max-age=0"));
    }

    [Fact]
    public void ARequestMinFresh_NeedsThatMuchFreshnessLeft()
    {
        // §5.2.1.3: lifetime >= age + min-fresh.
        Assert.Equal(Freshness.Fresh, Evaluate(60, 40, "max-age=60", "min-fresh=20"));
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 41, "max-age=60", "min-fresh=20"));
    }

    [Fact]
    public void ARequestMaxStaleWithValue_AcceptsThatMuchStaleness()
    {
        // §5.2.1.2
        Assert.Equal(Freshness.StaleServable, Evaluate(60, 90, "max-age=60", "max-stale=30"));
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 91, "max-age=60", "max-stale=30"));
    }

    [Fact]
    public void ARequestMaxStaleWithoutValue_AcceptsAnyStaleness()
        => Assert.Equal(Freshness.StaleServable, Evaluate(60, 1_000_000, "max-age=60", "max-stale"));

    [Theory]
    [InlineData("max-age=60, must-revalidate")] // §5.2.2.2
    [InlineData("max-age=60, proxy-revalidate")] // §5.2.2.8
    [InlineData("s-maxage=60")] // §5.2.2.10
    [InlineData("max-age=60, s-maxage=bad")] // s-maxage's proxy-revalidate semantics hold even with an invalid value
    public void AStaleResponseThatForbidsStaleServing_Revalidates(string response)
    {
        // §4.2.4: neither max-stale nor stale-while-revalidate can override these.
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 61, response + ", stale-while-revalidate=100", "max-stale"));
        Assert.Equal(Freshness.Fresh, Evaluate(60, 59, response));
    }

    [Fact]
    public void AStaleResponseWithinStaleWhileRevalidate_IsServedWhileRevalidating()
    {
        // RFC 5861 §3: the window comes from the response.
        Assert.Equal(Freshness.StaleWhileRevalidate, Evaluate(60, 90, "max-age=60, stale-while-revalidate=30"));
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 91, "max-age=60, stale-while-revalidate=30"));
    }

    [Fact]
    public void StaleWhileRevalidate_IsOffWhenTheSettingIsOff()
    {
        var off = CacheSettings.Default with { StaleWhileRevalidate = false };
        Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 70, "max-age=60, stale-while-revalidate=30", settings: off));
    }

    [Fact]
    public void StaleWhileRevalidate_NeedsTheResponseDirective()
        => Assert.Equal(Freshness.MustRevalidate, Evaluate(60, 61, "max-age=60"));

    [Fact]
    public void StaleWhileRevalidate_ComesBeforeMaxStale()
        => Assert.Equal(Freshness.StaleWhileRevalidate, Evaluate(60, 70, "max-age=60, stale-while-revalidate=30", "max-stale"));

    [Fact]
    public void AStaleResponse_CanBeServedOnErrorWithinTheDefaultWindow()
    {
        // RFC 5861 §4 with the configured default (60 s) as the window.
        var settings = CacheSettings.Default;
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), Cc("max-age=10"), Cc(null), settings));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(61), Cc("max-age=10"), Cc(null), settings));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(1), Cc("max-age=10"), Cc(null),
            settings with { StaleIfError = TimeSpan.Zero }));
    }

    [Fact]
    public void StaleIfError_FromTheResponseReplacesTheDefault()
    {
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(500), Cc("max-age=10, stale-if-error=600"), Cc(null), CacheSettings.Default));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(30), Cc("max-age=10, stale-if-error=20"), Cc(null), CacheSettings.Default));
    }

    [Fact]
    public void StaleIfError_FromTheRequestGovernsThatRequest()
    {
        // RFC 5861 §4: in a request its scope is that request.
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(5), Cc("max-age=10, stale-if-error=600"), Cc("stale-if-error=0"), CacheSettings.Default));
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(300), Cc("max-age=10"), Cc("stale-if-error=300"), CacheSettings.Default));
    }

    [Theory]
    [InlineData("max-age=10, must-revalidate, stale-if-error=600")]
    [InlineData("max-age=10, proxy-revalidate, stale-if-error=600")]
    [InlineData("s-maxage=10, stale-if-error=600")]
    public void MustRevalidate_ForbidsStaleIfError(string response)
    {
        // RFC 9111 §5.2.2.2: in all circumstances must-revalidate is obeyed; §4.2.4.
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(1), Cc(response), Cc("stale-if-error=600"), CacheSettings.Default));
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(-1), Cc(response), Cc(null), CacheSettings.Default));
    }

    [Fact]
    public void NoCache_ForbidsServingOnError()
        => Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(-5), Cc("no-cache, stale-if-error=600"), Cc(null), CacheSettings.Default));

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(501, false)]
    [InlineData(404, false)]
    public void OnlyServerErrorsCountAsErrors(int status, bool error) => Assert.Equal(error, CachePolicy.IsErrorStatus(status));

    [Fact]
    public void AResponseWithInvalidMaxAge_IsStale()
    {
        // §4.2.1: the lifetime of a response with invalid freshness is zero, so it is stale at once.
        var response = Response(200, ("Cache-Control", "max-age=\"soon\""));
        var cc = CacheControl.Parse(response.Headers);
        var lifetime = CachePolicy.FreshnessLifetime(response, cc, CacheSettings.Default);
        Assert.Equal(Freshness.MustRevalidate, CachePolicy.Evaluate(lifetime, TimeSpan.Zero, cc, CacheControl.None, CacheSettings.Default));
    }
}
