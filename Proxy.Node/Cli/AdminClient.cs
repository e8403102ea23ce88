using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Proxy.Shared.Admin;

namespace Proxy.Node.Cli;

/// <summary>
/// HTTP client of a node's admin API for pbm. Every answer is returned both parsed and as the raw JSON text
/// (what <c>--json</c> prints, unchanged). Errors become <see cref="AdminApiException"/> with the server's
/// message; the token is sent only in the Proxy-Authorization header and never appears in a message.
/// </summary>
public sealed class AdminClient : IDisposable
{
    public const string DefaultHost = "127.0.0.1:9110";

    private readonly HttpClient _http;
    private readonly string _display;

    public AdminClient(string? host, string? token)
    {
        var target = string.IsNullOrWhiteSpace(host) ? DefaultHost : host.Trim();
        if (!target.Contains("://", StringComparison.Ordinal)) target = "http://" + target;
        if (!Uri.TryCreate(target, UriKind.Absolute, out var baseUri) || baseUri.Scheme != Uri.UriSchemeHttp ||
            baseUri.AbsolutePath != "/" || baseUri.Port is < 1 or > 65535)
            throw new AdminApiException($"--host must be HOST:PORT (e.g. {DefaultHost}), got '{host}'");
        _display = baseUri.Authority;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseProxy = false })
        {
            BaseAddress = baseUri,
            Timeout = TimeSpan.FromSeconds(20),
        };
        // Proxy-Authorization, not Authorization: every traffic listener strips it (hop by hop), so --host naming a
        // traffic port by mistake never hands the token to a backend.
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.ProxyAuthorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<(T Value, string Json)> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, cancellationToken);

    public Task<(T Value, string Json)> PostAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, cancellationToken);

    /// <summary>Posts to <paramref name="path"/> and returns the answer's status and JSON when it is a success or one of
    /// <paramref name="alsoAnswers"/> (e.g. 504 with the members that did answer); other statuses throw.</summary>
    public async Task<(int Status, string Json)> PostAsync(string path, IReadOnlyCollection<int> alsoAnswers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        return await ExchangeAsync(request, alsoAnswers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Posts <paramref name="text"/> (a config file) and returns the answer's status and JSON when it is a
    /// success or one of <paramref name="alsoAnswers"/> (e.g. 422 with the config's problems); other statuses throw.</summary>
    public async Task<(int Status, string Json)> PostTextAsync(string path, string text, IReadOnlyCollection<int> alsoAnswers,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(text, System.Text.Encoding.UTF8, "text/plain"),
        };
        var (status, body) = await ExchangeAsync(request, alsoAnswers, cancellationToken).ConfigureAwait(false);
        return (status, body);
    }

    /// <summary>Reads an answer's JSON as <typeparamref name="T"/>.</summary>
    public T Read<T>(string json, string path) =>
        TryRead<T>(json) ?? throw new AdminApiException($"unexpected answer from {_display}/{path}: not the expected JSON");

    private async Task<(T, string)> SendAsync<T>(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        var (status, body) = await ExchangeAsync(request, [], cancellationToken).ConfigureAwait(false);
        var value = TryRead<T>(body) ?? throw new AdminApiException($"unexpected answer from {_display}{path}: not the expected JSON", status);
        return (value, body);
    }

    private async Task<(int Status, string Body)> ExchangeAsync(HttpRequestMessage request, IReadOnlyCollection<int> alsoAnswers,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw CannotReach(e);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NoAnswer();
        }

        using (response)
        {
            if (!response.Headers.Contains(AdminApiHeader.Name)) throw NotAnAdminListener(response);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode && !alsoAnswers.Contains(status)) throw Refused(response, body);
            return (status, body);
        }
    }

    /// <summary>
    /// Reads an answer that streams one JSON document per line (NDJSON, as <c>api/cluster/events</c>) and yields each
    /// line as it arrives, until the node ends the stream or <paramref name="cancellationToken"/> is cancelled. Only
    /// the wait for the answer's head is bounded (as every request, 20 s); the stream has no time limit, so it is read
    /// with an HttpClient of its own. Refusals throw <see cref="AdminApiException"/> as the other requests do.
    /// </summary>
    public async IAsyncEnumerable<string> StreamLinesAsync(string path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseProxy = false })
        {
            BaseAddress = _http.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        http.DefaultRequestHeaders.ProxyAuthorization = _http.DefaultRequestHeaders.ProxyAuthorization;
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var head = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        head.CancelAfter(_http.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, head.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw CannotReach(e);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NoAnswer();
        }

        using (response)
        {
            if (!response.Headers.Contains(AdminApiHeader.Name)) throw NotAnAdminListener(response);
            if (!response.IsSuccessStatusCode)
                throw Refused(response, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false),
                System.Text.Encoding.UTF8);
            while (await ReadLineAsync(reader, cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0) yield return line;
            }
        }
    }

    /// <summary>The next line of a stream, null at its end; a connection that breaks mid-stream is an
    /// <see cref="AdminApiException"/>.</summary>
    private async Task<string?> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new AdminApiException($"the stream from the admin listener at {_display} broke ({e.Message})");
        }
    }

    private AdminApiException CannotReach(HttpRequestException e)
    {
        var reason = e.InnerException is SocketException s ? s.SocketErrorCode.ToString() : e.Message;
        return new AdminApiException($"cannot reach the admin listener at {_display} ({reason}); is the node running? (--host HOST:PORT)");
    }

    private AdminApiException NoAnswer() =>
        new($"the admin listener at {_display} did not answer within {_http.Timeout.TotalSeconds:0} s");

    private AdminApiException NotAnAdminListener(HttpResponseMessage response) =>
        new($"{_display} is not an admin listener (the answer did not come from the admin API); " +
            $"--host names a node's admin address (proxy.admin.address, default {DefaultHost})", (int)response.StatusCode);

    private static AdminApiException Refused(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        var message = TryRead<ErrorView>(body)?.Error ?? $"HTTP {status} {response.ReasonPhrase}";
        if (status == 401) message += " (pass --token or set PROXY_ADMIN_TOKEN)";
        return new AdminApiException(message, status);
    }

    private static T? TryRead<T>(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, AdminJson.Options);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public void Dispose() => _http.Dispose();
}
