using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli;

/// <summary>
/// Base of every pbm command: resolves the token (<c>--token</c>, <c>PROXY_ADMIN_TOKEN</c>,
/// <c>PROXY_ADMIN_TOKEN_FILE</c>), calls the admin API, prints the JSON answer unchanged with <c>--json</c>
/// or a table otherwise. Exit codes: 0 done, 1 the API refused or could not be reached (message on stderr).
/// </summary>
public abstract class PbmCommand<TSettings>(PbmIo io) : AsyncCommand<TSettings> where TSettings : PbmSettings
{
    protected PbmIo Io { get; } = io;

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new AdminClient(settings.Host, ResolveToken(settings));
            return await RunAsync(context, settings, client, cancellationToken).ConfigureAwait(false);
        }
        catch (AdminApiException e)
        {
            PbmErrors.Write(Io.Error, settings.Json, e.Message);
            return 1;
        }
    }

    protected abstract Task<int> RunAsync(CommandContext context, TSettings settings, AdminClient client, CancellationToken cancellationToken);

    /// <summary>Prints the answer: its JSON text with <c>--json</c>, else what <paramref name="render"/> draws.</summary>
    protected int Print<T>(TSettings settings, (T Value, string Json) answer, Action<T> render)
    {
        if (settings.Json) Io.Out.WriteLine(answer.Json);
        else render(answer.Value);
        return 0;
    }

    /// <summary>Terminal width from which tables are drawn with borders. Below it (an 80×24 terminal, or output that
    /// is not a terminal, which Spectre sizes at 80) tables have none: borders take three columns per column, and
    /// Spectre wraps cells (addresses, names) to make up for them.</summary>
    protected const int BorderedFrom = 100;

    /// <summary>A table with the given columns, bordered when the terminal is at least <see cref="BorderedFrom"/> wide.</summary>
    protected internal Table NewTable(params string[] columns)
    {
        var table = new Table().AddColumns(columns);
        if (Io.Console.Profile.Width >= BorderedFrom) return table.Border(TableBorder.Rounded);
        // Without borders one space between columns is enough (Spectre pads each side of every cell by default).
        foreach (var column in table.Columns) column.Padding = new Padding(0, 0, 1, 0);
        return table.Border(TableBorder.None);
    }

    /// <summary>"1 node", "2 nodes"; <paramref name="plural"/> when it is not the noun and an s.</summary>
    protected static string Count(int n, string noun, string? plural = null) => $"{n} {(n == 1 ? noun : plural ?? noun + "s")}";

    protected static string Escape(string segment) => Uri.EscapeDataString(segment);

    private string? ResolveToken(TSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Token)) return settings.Token;
        if (Io.Environment.GetValueOrDefault("PROXY_ADMIN_TOKEN") is { Length: > 0 } fromVariable) return fromVariable;
        if (Io.Environment.GetValueOrDefault("PROXY_ADMIN_TOKEN_FILE") is not { Length: > 0 } file) return null;
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminApiException($"cannot read the token file named by PROXY_ADMIN_TOKEN_FILE ({file}): {e.Message}");
        }
    }
}
