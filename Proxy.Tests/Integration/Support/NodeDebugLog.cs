using System.Collections.Concurrent;
using Akka.Actor;
using Proxy.Node.Hosting;

namespace Proxy.Tests.Integration.Support;

/// <summary>The debug lines a node (started with <c>log-level = debug</c>) publishes on its actor system's event
/// stream, those starting with <paramref name="Prefix"/>.</summary>
public sealed record NodeDebugLog(ConcurrentQueue<string> Lines, string Prefix)
{
    public static NodeDebugLog Attach(ProxyNode node, string prefix = "")
    {
        var log = new NodeDebugLog(new ConcurrentQueue<string>(), prefix);
        var collector = node.System.ActorOf(Props.Create(() => new Collector(log)));
        node.System.EventStream.Subscribe(collector, typeof(Akka.Event.Debug));
        return log;
    }

    public Task Contains(string text) => Eventually.Holds(() => Lines.Any(l => l.Contains(text)), TimeSpan.FromSeconds(5),
        $"a debug line with '{text}' (seen: {string.Join(" | ", Lines)})");

    private sealed class Collector : ReceiveActor
    {
        public Collector(NodeDebugLog log) => Receive<Akka.Event.Debug>(d =>
        {
            var text = d.Message?.ToString() ?? "";
            if (text.StartsWith(log.Prefix, StringComparison.Ordinal)) log.Lines.Enqueue(text);
        });
    }
}
