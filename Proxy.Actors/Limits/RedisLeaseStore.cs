using Proxy.Shared.RateLimiting;
using StackExchange.Redis;

namespace Proxy.Actors.Limits;

/// <summary>
/// L3: buckets in Redis, so instances that are not one cluster share limits. The lease protocol is one Lua
/// script (atomic: GCRA on a theoretical-arrival-time key, Redis's own clock, unused tokens handed back), via
/// StackExchange.Redis. A Redis that is down never holds a request: while the connection is not up the store
/// fails at once, and a command has a short timeout, so the limit's on-store-failure applies immediately.
/// </summary>
public sealed class RedisLeaseStore : ILeaseStore, IDisposable
{
    private const string KeyPrefix = "proxy:limit:";

    // KEYS[1] bucket; ARGV: interval (µs), burst, wanted, unused. Returns { granted, remaining, retry µs, reset µs }.
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(@interval)
        local burst = tonumber(@burst)
        local tolerance = interval * burst
        local tat = tonumber(redis.call('GET', @key) or '0')
        if tat < now then tat = now end
        local unused = tonumber(@unused)
        if unused > 0 then tat = math.max(now, tat - unused * interval) end
        local available = math.floor((now + tolerance - tat) / interval)
        if available < 0 then available = 0 end
        if available > burst then available = burst end
        local granted = math.min(tonumber(@wanted), available)
        tat = tat + granted * interval
        local retry = 0
        if granted == 0 then retry = tat + interval - tolerance - now end
        redis.call('SET', @key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
        return { granted, math.floor((now + tolerance - tat) / interval), retry, tat - now }
        """);

    private readonly ConnectionMultiplexer _redis;

    public RedisLeaseStore(string connectionString) => _redis = ConnectionMultiplexer.Connect(ParseOptions(connectionString));

    /// <summary>The connection string's options with the store's own timeouts; throws ArgumentException for an
    /// option the client does not know.</summary>
    public static ConfigurationOptions ParseOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false; // start (and keep serving) while Redis is down
        options.ConnectTimeout = 1000;
        options.AsyncTimeout = 250;
        options.SyncTimeout = 250;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return options;
    }

    public bool IsConnected => _redis.IsConnected;

    public async Task<LeaseGrant> AcquireAsync(RateLimitSettings limit, AcquireLease request)
    {
        if (!_redis.IsConnected) throw new InvalidOperationException("redis is not connected");
        var intervalMicros = Math.Max(1, limit.Rate.Interval.Ticks / 10);
        var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(Script, new
        {
            key = (RedisKey)(KeyPrefix + request.EntityId),
            interval = intervalMicros,
            burst = limit.Burst,
            wanted = request.Wanted,
            unused = request.Unused,
        }).ConfigureAwait(false))!;
        var granted = (long)result[0];
        return new LeaseGrant(request.EntityId, granted, RateLimiterEntity.LeaseMs, Math.Max(0, (long)result[1]),
            granted > 0 ? 0 : Math.Max(1, (long)result[2] / 1000), Math.Max(0, (long)result[3] / 1000));
    }

    public void Dispose() => _redis.Dispose();
}
