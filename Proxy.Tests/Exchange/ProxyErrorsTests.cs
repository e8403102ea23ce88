using Proxy.Actors.Exchange;
using Proxy.Shared.Http;
using Xunit;
using Proxy.Shared.Pipeline;

namespace Proxy.Tests.Exchange;

/// <summary>Issue 12: one table from every <see cref="ProxyError"/> to the status and text the client gets.</summary>
public sealed class ProxyErrorsTests
{
    public static TheoryData<ProxyError> Errors() => new(Enum.GetValues<ProxyError>());

    [Theory]
    [MemberData(nameof(Errors))]
    public void EveryError_HasAnErrorStatus_AText_AndASnakeCaseType(ProxyError error)
    {
        Assert.InRange(ProxyErrors.StatusOf(error), 400, 599);
        Assert.False(string.IsNullOrWhiteSpace(ProxyErrors.TextOf(error)));
        Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", ProxyErrors.TypeOf(error));
    }

    [Fact]
    public void Types_AreDistinct()
    {
        var types = Enum.GetValues<ProxyError>().Select(ProxyErrors.TypeOf).ToList();
        Assert.Equal(types.Count, types.Distinct().Count());
        Assert.Equal("no_healthy_backend", ProxyErrors.TypeOf(ProxyError.NoHealthyBackend));
    }

    [Theory]
    [InlineData(400, ProxyError.MalformedRequest)]
    [InlineData(413, ProxyError.RequestBodyTooLarge)]
    [InlineData(414, ProxyError.UriTooLong)]
    [InlineData(431, ProxyError.RequestHeadTooLarge)]
    [InlineData(501, ProxyError.TransferCodingNotImplemented)]
    [InlineData(505, ProxyError.HttpVersionNotSupported)]
    public void AParserRefusal_KeepsTheStatusTheParserChose(int status, ProxyError expected)
    {
        var error = ProxyErrors.OfParseError(new HttpParseError(status, "reason"));
        Assert.Equal(expected, error);
        Assert.Equal(status, ProxyErrors.StatusOf(error));
    }

    [Theory]
    [InlineData(ProxyError.NoRoute, 404)]
    [InlineData(ProxyError.RateLimited, 429)]
    [InlineData(ProxyError.RateLimitStoreUnavailable, 503)]
    [InlineData(ProxyError.UpstreamConnectTimeout, 504)]
    [InlineData(ProxyError.UpstreamBroken, 502)]
    [InlineData(ProxyError.RequestHeadTimeout, 408)]
    public void TheStatusesClientsKnow_StayAsTheyWere(ProxyError error, int status) =>
        Assert.Equal(status, ProxyErrors.StatusOf(error));
}
