using System.Text.Json;

namespace Proxy.Node.Cli;

/// <summary>How pbm reports a failure on stderr: <c>pbm: message</c>, or under <c>--json</c> one JSON document
/// <c>{"error": "message"}</c> so a script parsing pbm's output never meets plain text.</summary>
public static class PbmErrors
{
    // Messages quote values ('x'): no need to escape them for HTML, only for JSON.
    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter stderr, bool json, string message)
    {
        if (json) stderr.WriteLine(JsonSerializer.Serialize(new { error = message }, Options));
        else stderr.WriteLine("pbm: " + message);
    }
}
