namespace Proxy.Shared.Http;

/// <summary>Why a message was rejected, with the status the client gets (400, 413, 414, 431, 501, 505).</summary>
public readonly record struct HttpParseError(int Status, string Reason)
{
    public static HttpParseError BadRequest(string reason) => new(400, reason);
}

/// <summary>Outcome of an incremental parse step.</summary>
public enum ParseStatus
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,
    Complete,
    Invalid,
}
