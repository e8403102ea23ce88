using Proxy.Shared.ConfigRevisions;
using Xunit;

namespace Proxy.Tests.ConfigRevisions;

public class ConfigTextRedactorTests
{
    [Theory]
    [InlineData("admin { token = \"s3cr3t-token\" }", "s3cr3t-token")]
    [InlineData("admin.token: s3cr3t-token", "s3cr3t-token")]
    [InlineData("redis = \"127.0.0.1:6379,password=hunter2\"", "hunter2")]
    [InlineData("persistence { connection-string = \"Host=db;Password=pw-42\" }", "pw-42")]
    [InlineData("upstream = \"http://user:pa55word@proxy.internal:3128\"", "pa55word")]
    [InlineData("\"api-key\" = abcdef123456", "abcdef123456")]
    [InlineData("forward { upstream-proxy { credentials = \"u:p-9876\" } }", "p-9876")]
    public void ASecret_IsNeverInTheShownText(string text, string secret)
    {
        var shown = ConfigTextRedactor.Redact(text);
        Assert.DoesNotContain(secret, shown);
        Assert.Contains(ConfigTextRedactor.Redacted, shown);
    }

    [Theory]
    [InlineData("admin { token = ${?PROXY_ADMIN_TOKEN} }")]
    [InlineData("pools { api { backends = [ \"127.0.0.1:9001\" ] } }")]
    [InlineData("routes = [ { name = tokens, pool = api } ]")]
    public void EverythingElse_IsLeftAsItIs(string text)
    {
        Assert.Equal(text, ConfigTextRedactor.Redact(text));
    }
}
