using Proxy.Shared.Caching;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Serialization;
using Proxy.Actors.Serialization;
using Proxy.Shared.Cluster;
using Proxy.Shared.Pools;
using Proxy.Shared.ConfigRevisions;
using Proxy.Shared.Stats;
using Proxy.Shared.Configuration;
using Proxy.Shared.RateLimiting;
using Xunit;

namespace Proxy.Tests.Serialization;

/// <summary>Every cluster message through the ActorSystem's own serialization, so the HOCON binding is tested too.</summary>
public sealed class ProxyJsonSerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ConfigRevision Revision = new(7, "proxy {\n  routes = [ { name = a, pool = p } ]\n}\n", "apply: pbm (via node-1)",
        new DateTime(2026, 12, 3, 10, 30, 0, DateTimeKind.Utc));

    private static readonly ConfigRevisionOutcome Rejected = new("akka.tcp://proxy@127.0.0.1:4054", 8, false, 7,
        [new ConfigProblem("proxy.listeners[0].tls.certificates[0].cert", "file not found: certs/site.pem")], Revision.StoredAt);

    /// <summary>One sample per <see cref="IClusterMessage"/> type; lists non-empty, nullables set and unset.</summary>
    private static readonly IReadOnlyList<IClusterMessage> Samples =
    [
        new SubscribePool("api", "node-1", "3fa2c1b0d9e4", 17),
        new SubscribePool("api", "node-2", null, 0),
        new ReportOutcomes("api", "node-1",
            [new BackendOutcome("127.0.0.1:9001", 40, 2, 1, 812.5, 3, LeadingSuccesses: 38), new BackendOutcome("10.0.0.2:80", 0, 7, 7, 0, 0)]),
        new ReportOutcomes("api", "node-3", []),
        new GetPoolState("api"),
        new DrainBackend("api", "127.0.0.1:9001"),
        new UndrainBackend("api", "127.0.0.1:9001"),
        new SetBackendWeight("api", "127.0.0.1:9002", 250),
        new AdminChangeResult("api", "127.0.0.1:9001", true, "drained", 42),
        new AdminChangeResult("api", "127.0.0.1:9001", false, "not applied: journal write failed: locked", 42, JournalFailed: true),
        new PoolState("api", "3fa2c1b0d9e4", 42,
        [
            new BackendState("127.0.0.1:9001", true, BreakerState.Closed, false, 1, false, 4, 0.01, 12.25),
            new BackendState("127.0.0.1:9002", false, BreakerState.HalfOpen, true, 0, true, 0, 1, 0),
            new BackendState("127.0.0.1:9003", true, BreakerState.Open, false, 5, false, 0, double.NaN, 0),
        ]),
        new BackendDrained("127.0.0.1:9001"),
        new BackendUndrained("127.0.0.1:9001"),
        new BackendWeightChanged("127.0.0.1:9002", 3),
        new PoolEntityStarted("3fa2c1b0d9e4"),
        new AcquireLease("per-ip/10.0.0.7", "node-2", 12, 3),
        new LeaseGrant("per-ip/10.0.0.7", 12, 1000, 38, 0, 240),
        new LeaseGrant("per-ip/10.0.0.7", 0, 1000, 0, 20, 1000),
        new GetLimitKeyState("per-ip/10.0.0.7"),
        new LimitKeyState("per-ip/10.0.0.7", 12, 50, ["akka.tcp://proxy@127.0.0.1:4053"]),
        GetLimiterStats.Instance,
        new QuotaTaken(new DateTime(2026, 11, 29, 0, 0, 0, DateTimeKind.Utc), 12),
        new QuotaReturned(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), 3),
        new LimiterStats("akka.tcp://proxy@127.0.0.1:4054", [new LimitCounters("per-ip", 1200, 34, 17), new LimitCounters("api", 0, 0, 0)]),
        Revision,
        new ConfigRevisionHistory([Revision, Revision with { Number = 8, Source = "rollback to 7: pbm (via node-1)" }]),
        new StoreConfigRevision("proxy { routes = [] }", "apply: pbm config apply site.hocon (via node-1)"),
        new RollBackConfig(7, "rollback to 7: admin API (via node-2)"),
        new ConfigRevisionStored(8, null),
        new ConfigRevisionStored(0, "revision 3 is not kept (kept: 4..8)"),
        new SubscribeConfig("akka.tcp://proxy@127.0.0.1:4053", 7),
        new ConfigRevisionNotice(8, Revision),
        new ConfigRevisionNotice(0, null),
        Rejected,
        new ConfigRevisionOutcome("akka.tcp://proxy@127.0.0.1:4053", 8, true, 8, [], Revision.StoredAt),
        new GetConfigRevision(7),
        new GetConfigRevision(null),
        new ConfigRevisionReply(Revision, 8, [6, 7, 8]),
        new ConfigRevisionReply(null, 0, []),
        GetConfigStatus.Instance,
        GetLiveStats.Instance,
        new LiveStatsSnapshot("akka.tcp://proxy@127.0.0.1:4053", 10,
            [new SeriesCounts("api", "", 1200, 3, [10, 11, 40], [900, 290, 10])],
            [new SeriesCounts("127.0.0.1:9001", "api", 1203, 6, [12], [1203]), new SeriesCounts("127.0.0.1:9002", "api", 0, 0, [], [])]),
        new ConfigStatus(8, [new MemberConfigState("akka.tcp://proxy@127.0.0.1:4053", 7, Rejected), new MemberConfigState("akka.tcp://proxy@127.0.0.1:4054", 8, null)]),
        GetCacheStats.Instance,
        new CacheStatsSnapshot("akka.tcp://proxy@127.0.0.1:4053", [new CacheRouteStats("site", 12, 40_960, 300, 12, 4, 9, 7)],
            ["akka.tcp://proxy@127.0.0.1:4053", "akka.tcp://proxy@127.0.0.1:4054"]),
        new PurgeCache("http://shop.example/index.html", null, null),
        new PurgeCache(null, "/static/", null),
        new PurgeCache(null, null, "product-42"),
        new CachePurged("akka.tcp://proxy@127.0.0.1:4054", 3),
        GetCachePeer.Instance,
        new CachePeer("akka.tcp://proxy@127.0.0.1:4054", "127.0.0.1", 41234),
    ];

    public ProxyJsonSerializerSpec() : base(ProxySerializationHocon.Config.WithFallback(ClusterSharding.DefaultConfig()), "serialization")
    {
    }

    public static IEnumerable<object[]> SampleData() => Samples.Select(s => new object[] { s.GetType().Name, s });

    [Fact]
    public void EveryClusterMessageType_HasASample_AndAManifest()
    {
        var types = ClusterMessageManifests.MessageAssemblies.SelectMany(ClusterMessageManifests.ClusterMessageTypes).ToList();
        Assert.NotEmpty(types);
        var withoutSample = types.Where(t => Samples.All(s => s.GetType() != t)).Select(t => t.FullName).ToList();
        Assert.True(withoutSample.Count == 0,
            $"cluster message types without a sample in {nameof(ProxyJsonSerializerSpec)}.{nameof(Samples)}: {string.Join(", ", withoutSample)}");
        var unregistered = ClusterMessageManifests.Unregistered(ClusterMessageManifests.MessageAssemblies);
        Assert.True(unregistered.Count == 0,
            $"cluster message types without a manifest in {nameof(ClusterMessageManifests)}: {string.Join(", ", unregistered.Select(t => t.FullName))}");
        ClusterMessageManifests.EnsureComplete();
    }

    /// <summary>Manifests already written to journals and sent between nodes: they never change. Append new ones.</summary>
    [Theory]
    [InlineData("pool.subscribe", typeof(SubscribePool))]
    [InlineData("pool.outcomes", typeof(ReportOutcomes))]
    [InlineData("pool.get-state", typeof(GetPoolState))]
    [InlineData("pool.drain", typeof(DrainBackend))]
    [InlineData("pool.undrain", typeof(UndrainBackend))]
    [InlineData("pool.set-weight", typeof(SetBackendWeight))]
    [InlineData("pool.admin-result", typeof(AdminChangeResult))]
    [InlineData("pool.state", typeof(PoolState))]
    [InlineData("pool.ev.drained", typeof(BackendDrained))]
    [InlineData("pool.ev.undrained", typeof(BackendUndrained))]
    [InlineData("pool.ev.weight-changed", typeof(BackendWeightChanged))]
    [InlineData("pool.ev.entity-started", typeof(PoolEntityStarted))]
    public void PublishedManifest_StillNamesTheSameType(string manifest, Type type)
    {
        Assert.True(ClusterMessageManifests.TryGetType(manifest, out var registered), $"manifest '{manifest}' was removed");
        Assert.Equal(type, registered);
    }

    /// <summary>A report from a node that predates LeadingSuccesses (issue 21) still reads, with 0 for it.</summary>
    [Fact]
    public void AnOutcomeReportWithoutLeadingSuccesses_FromAnOlderNode_ReadsWithZero()
    {
        var report = new ReportOutcomes("api", "node-1", [new BackendOutcome("127.0.0.1:9001", 4, 1, 1, 10, 0, LeadingSuccesses: 4)]);
        var serializer = Sys.Serialization.FindSerializerFor(report);
        var json = System.Text.Encoding.UTF8.GetString(serializer.ToBinary(report));
        Assert.Contains("4", json);
        var older = System.Text.RegularExpressions.Regex.Replace(json, @",?""[Ll]eading[Ss]uccesses"":\s*4", "");
        Assert.DoesNotContain("eading", older);
        var back = (ReportOutcomes)Sys.Serialization.Deserialize(System.Text.Encoding.UTF8.GetBytes(older), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, report));
        Assert.Equal(report.Backends[0] with { LeadingSuccesses = 0 }, back.Backends[0]);
    }

    [Theory]
    [MemberData(nameof(SampleData))]
    public void Message_RoundTripsThroughTheSystemSerialization_UnderItsStableManifest(string name, IClusterMessage message)
    {
        var serialization = Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<ProxyJsonSerializer>(serializer);
        Assert.Equal(7301, serializer.Identifier);

        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        Assert.True(ClusterMessageManifests.TryGetManifest(message.GetType(), out var registered), name);
        Assert.Equal(registered, manifest);
        Assert.DoesNotContain("Proxy.", manifest, StringComparison.Ordinal);

        var bytes = serializer.ToBinary(message);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(message.GetType(), back);
        // Records compare lists by reference: compare what they write instead (every field is written).
        Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
        if (message is PoolState state)
        {
            var backState = (PoolState)back;
            Assert.Equal(state.Backends, backState.Backends);
            Assert.Equal(state with { Backends = backState.Backends }, backState);
        }
        else if (message is ReportOutcomes report)
        {
            var backReport = (ReportOutcomes)back;
            Assert.Equal(report.Backends, backReport.Backends);
            Assert.Equal(report with { Backends = backReport.Backends }, backReport);
        }
        else if (message is LimitKeyState key)
        {
            var backKey = (LimitKeyState)back;
            Assert.Equal(key.LeaseHolders, backKey.LeaseHolders);
            Assert.Equal(key with { LeaseHolders = backKey.LeaseHolders }, backKey);
        }
        else if (message is LimiterStats stats)
        {
            var backStats = (LimiterStats)back;
            Assert.Equal(stats.Limits, backStats.Limits);
            Assert.Equal(stats with { Limits = backStats.Limits }, backStats);
        }
        else if (message is ConfigRevisionOutcome or ConfigRevisionReply or ConfigStatus or ConfigRevisionHistory or LiveStatsSnapshot or CacheStatsSnapshot)
        {
            // Their lists were compared by what they write, above.
        }
        else
        {
            Assert.Equal(message, back);
        }
    }

    [Fact]
    public void PoolState_IsWrittenAsReadableJson_WithEnumsByName_AndWithoutComputedProperties()
    {
        var json = System.Text.Encoding.UTF8.GetString(Sys.Serialization.Serialize(Samples.OfType<PoolState>().First()));

        Assert.Contains("\"breaker\":\"half-open\"", json, StringComparison.Ordinal);
        Assert.Contains("\"address\":\"127.0.0.1:9001\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("usable", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UnknownManifest_IsASerializationException_NamingTheManifest()
    {
        var bytes = "{\"address\":\"127.0.0.1:1\"}"u8.ToArray();

        var error = Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(bytes, ProxyJsonSerializer.Id, "pool.ev.renamed"));

        Assert.Contains("'pool.ev.renamed'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingConstructorArgument_IsASerializationException_NotADefaultedField()
    {
        var bytes = "{\"address\":\"127.0.0.1:1\"}"u8.ToArray();

        var error = Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(bytes, ProxyJsonSerializer.Id, "pool.ev.weight-changed"));

        Assert.Contains("BackendWeightChanged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeWithoutManifest_IsRefusedWhenWritten()
    {
        var serializer = (ProxyJsonSerializer)Sys.Serialization.FindSerializerForType(typeof(IClusterMessage));

        var error = Assert.Throws<SerializationException>(() => serializer.ToBinary(new Unregistered("x")));

        Assert.Contains(nameof(Unregistered), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ClusterMessageManifests), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShardingEnvelope_CarryingOurMessage_RoundTripsThroughTheSystemSerialization()
    {
        var envelope = new ShardingEnvelope("api", new DrainBackend("api", "127.0.0.1:9001"));
        var serializer = Sys.Serialization.FindSerializerFor(envelope);
        Assert.IsNotType<ProxyJsonSerializer>(serializer);

        var bytes = serializer.ToBinary(envelope);
        var back = (ShardingEnvelope)Sys.Serialization.Deserialize(bytes, serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, envelope));

        Assert.Equal("api", back.EntityId);
        Assert.Equal(new DrainBackend("api", "127.0.0.1:9001"), back.Message);
        // The payload inside the envelope went through our serializer: its JSON is in the envelope's bytes.
        Assert.Contains("\"address\":\"127.0.0.1:9001\"", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    /// <summary>Implements the marker in the test assembly only, so it is not part of the registry scan.</summary>
    private sealed record Unregistered(string Value) : IClusterMessage;
}
