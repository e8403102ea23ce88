using Proxy.Shared.Http;
using Xunit;

namespace Proxy.Tests.Http;

/// <summary>
/// D3 (RFC 9110 §7.6.1): a proxy removes connection-specific fields and every field the Connection header names
/// before forwarding; end-to-end fields pass unchanged and in order.
/// </summary>
public class HopByHopHeadersSpec
{
    private static HttpHeaderList Headers(params (string Name, string Value)[] fields)
    {
        var list = new HttpHeaderList();
        foreach (var (name, value) in fields) list.Add(name, value);
        return list;
    }

    private static List<(string, string)> Fields(HttpHeaderList list)
    {
        var fields = new List<(string, string)>();
        for (var i = 0; i < list.Count; i++) fields.Add((list[i].Key, list[i].Value));
        return fields;
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("Keep-Alive")]
    [InlineData("Proxy-Connection")]
    [InlineData("Proxy-Authenticate")]
    [InlineData("Proxy-Authorization")]
    [InlineData("TE")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Upgrade")]
    [InlineData("connection")]
    [InlineData("KEEP-ALIVE")]
    [InlineData("te")]
    [InlineData("transfer-encoding")]
    public void A_standard_hop_by_hop_field_is_removed_in_any_case(string name)
    {
        var headers = Headers(("Host", "a.test"), (name, "x"), ("Accept", "*/*"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Host", "a.test"), ("Accept", "*/*")], Fields(headers));
    }

    [Fact]
    public void Trailer_is_end_to_end_and_stays()
    {
        var headers = Headers(("Trailer", "X-Checksum"), ("Accept", "*/*"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Trailer", "X-Checksum"), ("Accept", "*/*")], Fields(headers));
    }

    [Fact]
    public void Every_copy_of_a_repeated_hop_by_hop_field_is_removed()
    {
        var headers = Headers(("Keep-Alive", "timeout=5"), ("Host", "a.test"), ("keep-alive", "max=10"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Host", "a.test")], Fields(headers));
    }

    [Fact]
    public void End_to_end_fields_are_kept_in_order_with_their_case_and_values()
    {
        var headers = Headers(("Host", "a.test"), ("content-length", "5"), ("Content-Type", "text/plain"),
            ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Latin", "\u00e9\u00ff"), ("Authorization", "Bearer t"),
            ("Expect", "100-continue"), ("Via", "1.1 other"));
        var expected = Fields(headers);

        HopByHopHeaders.Strip(headers);

        Assert.Equal(expected, Fields(headers));
    }

    [Theory]
    [InlineData("X-Secret")]
    [InlineData("x-secret")]
    [InlineData("close, X-Secret")]
    [InlineData("X-Secret , keep-alive")]
    [InlineData("\tX-Secret\t")]
    [InlineData(", ,X-Secret,,")]
    public void A_field_named_in_Connection_is_removed(string connection)
    {
        var headers = Headers(("Host", "a.test"), ("Connection", connection), ("X-Secret", "1"),
            ("X-Public", "2"), ("X-SECRET", "3"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Host", "a.test"), ("X-Public", "2")], Fields(headers));
    }

    [Fact]
    public void Several_fields_named_in_one_Connection_header_are_all_removed()
    {
        var headers = Headers(("Connection", "X-A, X-B,X-C"), ("X-A", "1"), ("X-B", "2"), ("X-C", "3"), ("X-D", "4"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("X-D", "4")], Fields(headers));
    }

    [Fact]
    public void Fields_named_in_every_Connection_header_line_are_removed()
    {
        // RFC 9110 §5.3: repeated field lines form one list, so the second Connection line counts as much as the first.
        var headers = Headers(("Connection", "keep-alive, X-A"), ("X-A", "1"), ("Connection", "X-B"), ("X-B", "2"),
            ("connection", "X-C, close"), ("X-C", "3"), ("X-D", "4"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("X-D", "4")], Fields(headers));
    }

    [Fact]
    public void A_Connection_header_naming_itself_or_nothing_removes_only_hop_by_hop_fields()
    {
        var headers = Headers(("Connection", "Connection"), ("Connection", ""), ("Host", "a.test"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Host", "a.test")], Fields(headers));
    }

    [Fact]
    public void Without_any_hop_by_hop_field_nothing_changes()
    {
        var headers = Headers(("Host", "a.test"), ("Accept", "*/*"));

        HopByHopHeaders.Strip(headers);

        Assert.Equal([("Host", "a.test"), ("Accept", "*/*")], Fields(headers));
    }
}
