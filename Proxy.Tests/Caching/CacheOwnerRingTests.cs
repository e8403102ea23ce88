using System.Net;
using Proxy.Actors.Caching.Peers;
using Proxy.Shared.Caching;
using Proxy.Shared.Configuration;
using Xunit;

namespace Proxy.Tests.Caching;

/// <summary>E5: which member owns a key (rendezvous hashing), and who may use a node's internal cache listener.</summary>
public sealed class CacheOwnerRingTests
{
    private static readonly string[] Members = ["akka.tcp://proxy@10.0.0.1:4053", "akka.tcp://proxy@10.0.0.2:4053", "akka.tcp://proxy@10.0.0.3:4053"];
    private static readonly string[] Keys = Enumerable.Range(0, 30_000).Select(i => $"GET|shop.example|/item/{i}|").ToArray();

    private static CacheOwnerRing<string> Ring(IEnumerable<string> members) => new(members.Select(m => (m, m)));

    private static string OwnerOf(CacheOwnerRing<string> ring, string key) => ring.TryGetOwner(key, out var owner) ? owner : "";

    [Fact]
    public void EveryNode_PicksTheSameOwner_WhateverOrderItSeesTheMembersIn()
    {
        var one = Ring(Members);
        var other = Ring(Members.Reverse());
        Assert.All(Keys.Take(2000), k => Assert.Equal(OwnerOf(one, k), OwnerOf(other, k)));
    }

    [Fact]
    public void TheKeys_AreSpreadEvenly()
    {
        var ring = Ring(Members);
        var shares = Keys.GroupBy(k => OwnerOf(ring, k)).ToDictionary(g => g.Key, g => g.Count() / (double)Keys.Length);
        Assert.Equal(3, shares.Count);
        Assert.All(shares.Values, share => Assert.InRange(share, 0.30, 0.37));
    }

    [Fact]
    public void AMemberLeaving_MovesOnlyItsOwnKeys_AndOneJoining_TakesOnlyKeysItNowOwns()
    {
        var three = Ring(Members);
        var two = Ring(Members.Take(2));
        foreach (var key in Keys)
        {
            var before = OwnerOf(three, key);
            if (before != Members[2]) Assert.Equal(before, OwnerOf(two, key));
        }
        var moved = Keys.Count(k => OwnerOf(two, k) != OwnerOf(three, k));
        Assert.InRange(moved / (double)Keys.Length, 0.30, 0.37);
    }

    [Fact]
    public void AnEmptyRing_OwnsNothing() => Assert.False(CacheOwnerRing<string>.Empty.TryGetOwner("k", out _));

    [Fact]
    public void OnlyLoopbackAndTheMembersAddresses_AreCachePeers()
    {
        var owners = new CacheOwners(new CacheClusterSettings());
        Assert.True(owners.IsPeer("127.0.0.1"));
        Assert.True(owners.IsPeer("::1"));
        Assert.False(owners.IsPeer("10.0.0.2"));
        Assert.False(owners.IsPeer("not an address"));

        owners.PublishPeerAddresses([IPAddress.Parse("10.0.0.2"), IPAddress.Parse("fd00::2")]);

        Assert.True(owners.IsPeer("10.0.0.2"));
        Assert.True(owners.IsPeer("::ffff:10.0.0.2"));
        Assert.True(owners.IsPeer("fd00::2"));
        Assert.False(owners.IsPeer("10.0.0.3"));
    }
}
