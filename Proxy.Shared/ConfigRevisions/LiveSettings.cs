using Akka.Configuration;
using Akka.Configuration.Hocon;
using Proxy.Shared.Configuration;

namespace Proxy.Shared.ConfigRevisions;

/// <summary>
/// O6: which parts of a config a revision may change on a running node, and the problems of a revision that changes
/// any other part. Compared on the resolved HOCON (the file with this node's environment and defaults), value by value.
/// </summary>
public static class LiveSettings
{
    /// <summary>The <c>proxy</c> settings a revision changes live: new requests take them, those in flight finish on
    /// the revision they started with.</summary>
    public static readonly IReadOnlyList<string> LiveProxyKeys = ["listeners", "forward", "pools", "routes", "defaults", "rate-limits", "limits", "timeouts", "forwarded-header"];

    /// <summary>The cluster's own settings (remoting, membership, the journal): a node's identity in the cluster.</summary>
    private static readonly string[] ClusterOwnProxyKeys = ["persistence", "data-dir"];

    /// <summary>Every change from <paramref name="running"/> to <paramref name="next"/> that needs a restart, one
    /// problem per changed key (<c>akka.remote</c>, <c>proxy.listeners</c>, …).</summary>
    public static IReadOnlyList<ConfigProblem> RestartNeeded(Config running, Config next)
    {
        var problems = new List<ConfigProblem>();
        // The actor system's own settings (akka.remote, akka.cluster, akka.persistence, …). Other top-level objects are
        // the file's own helpers (examples/cluster.hocon's node-addresses): what they change shows in proxy { }.
        foreach (var inner in Keys(running.GetValue("akka")).Union(Keys(next.GetValue("akka"))).Order(StringComparer.Ordinal))
        {
            var path = "akka." + inner;
            if (!Same(running, next, path))
                problems.Add(new ConfigProblem(path, "the cluster's own settings change only with a restart of the node"));
        }
        foreach (var key in Keys(running.GetValue("proxy")).Union(Keys(next.GetValue("proxy"))).Order(StringComparer.Ordinal))
        {
            var path = "proxy." + key;
            if (LiveProxyKeys.Contains(key) || Same(running, next, path)) continue;
            problems.Add(new ConfigProblem(path, ClusterOwnProxyKeys.Contains(key)
                ? "the cluster's own settings change only with a restart of the node"
                : $"changes only with a restart of the node (a revision changes {string.Join(", ", LiveProxyKeys)} live)"));
        }
        return problems;
    }

    private static IEnumerable<string> Keys(HoconValue? value) =>
        value is not null && value.IsObject() ? value.GetObject().Items.Keys : [];

    private static bool Same(Config running, Config next, string path)
    {
        var a = running.HasPath(path) ? running.GetValue(path) : null;
        var b = next.HasPath(path) ? next.GetValue(path) : null;
        return (a, b) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            _ => a.ToString() == b.ToString(),
        };
    }
}
