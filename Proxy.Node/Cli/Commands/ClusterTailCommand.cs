using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands;

/// <summary>
/// <c>cluster tail</c>: the members as the node sees them now, then membership and reachability events as they
/// happen, one line each (<c>11:02:03.456  member-up         akka.tcp://proxy@127.0.0.1:4054</c>, UTC like the node's
/// logs), until Ctrl-C, <c>--count N</c> lines or <c>--timeout DURATION</c> (exit 0). <c>--json</c> prints the
/// API's NDJSON lines unchanged. A stream the node ends (it is stopping) is exit 1.
/// </summary>
public sealed class ClusterTailCommand(PbmIo io) : PbmCommand<ClusterTailSettings>(io)
{
    private const string Path = "api/cluster/events";

    /// <summary>The longest event name (<c>member-weakly-up</c>): the addresses line up after it.</summary>
    private const int EventColumn = 16;

    protected override async Task<int> RunAsync(CommandContext context, ClusterTailSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        using var deadline = settings.Duration is { } duration ? new CancellationTokenSource(duration) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var printed = 0;
        try
        {
            await foreach (var line in client.StreamLinesAsync(Path, stop.Token).ConfigureAwait(false))
            {
                Io.Out.WriteLine(settings.Json ? line : ForPeople(client.Read<ClusterEventView>(line, Path)));
                Io.Out.Flush();
                if (++printed == settings.Count) return 0;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0; // Ctrl-C or --timeout: asked for.
        }
        throw new AdminApiException($"the node ended the event stream after {printed} lines (is it stopping?)");
    }

    private static string ForPeople(ClusterEventView e)
    {
        var at = e.At.ToUniversalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var detail = e switch
        {
            { Status: { } status, Reachable: var reachable } => $"  {status}{(reachable is false ? ", unreachable" : "")}",
            { PreviousStatus: { } previous } => $"  (was {previous})",
            _ => "",
        };
        return $"{at}  {e.Event.PadRight(EventColumn)}  {e.Address ?? "(none)"}{detail}";
    }
}
