using Akka.IO;
using Proxy.Shared.Http;

namespace Proxy.Actors.Caching;

/// <summary>
/// One origin fetch for a cache key that other requests wait for (request coalescing, nginx's <c>proxy_cache_lock</c>
/// without its wait-then-fetch-again): the first request that misses (the leader) goes to the origin; requests for the
/// same key that arrive meanwhile (followers) wait for its response head, then stream its body as it arrives, each at
/// its own pace, without asking the origin. A response the cache may not store is not shared: followers are told
/// (a null head) and go to the origin themselves. The leader's chunks are kept until the fetch ends and the followers
/// that read them are gone (the same <see cref="ByteString"/>s the cache stores).
/// </summary>
public sealed class InflightFill
{
    private readonly object _lock = new();
    private readonly List<ByteString> _chunks = new(4);
    private readonly TaskCompletionSource<SharedHead?> _head = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _more;
    private bool _complete;
    private string? _failure;

    public InflightFill(string key) => Key = key;

    public string Key { get; }

    /// <summary>The leader's response head as followers get it, or null when it is not shared.</summary>
    public Task<SharedHead?> Head => _head.Task;

    /// <summary>The leader's response may be shared: its head (the backend's fields, before the route's filters) and
    /// the secondary key its Vary selects.</summary>
    public void Publish(SharedHead head) => _head.TrySetResult(head);

    /// <summary>The leader's response is not shared (not storable, or none came): followers go to the origin.</summary>
    public void Decline() => _head.TrySetResult(null);

    public void Append(ByteString chunk)
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_complete || _failure is not null) return;
            if (!chunk.IsEmpty) _chunks.Add(chunk);
            wake = TakeWaiter();
        }
        wake?.TrySetResult();
    }

    public void Complete()
    {
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_complete || _failure is not null) return;
            _complete = true;
            wake = TakeWaiter();
        }
        wake?.TrySetResult();
    }

    /// <summary>The leader's body will not be finished (the origin or the leader's client broke off): followers that
    /// wait for more fail; followers still waiting for the head go to the origin.</summary>
    public void Fail(string reason)
    {
        _head.TrySetResult(null);
        TaskCompletionSource? wake;
        lock (_lock)
        {
            if (_complete || _failure is not null) return;
            _failure = reason;
            wake = TakeWaiter();
        }
        wake?.TrySetResult();
    }

    /// <summary>The chunk at <paramref name="index"/>: at once when it has arrived (or the body ended), otherwise when it
    /// does. <c>Last</c>: nothing follows it.</summary>
    public ValueTask<(ByteString Data, bool Last)> ReadAsync(int index)
    {
        Task wait;
        lock (_lock)
        {
            if (index < _chunks.Count) return new((_chunks[index], _complete && index == _chunks.Count - 1));
            if (_complete) return new((ByteString.Empty, true));
            if (_failure is not null) return ValueTask.FromException<(ByteString, bool)>(new IOException(_failure));
            wait = (_more ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        return AwaitMore(wait, index);
    }

    private async ValueTask<(ByteString Data, bool Last)> AwaitMore(Task wait, int index)
    {
        await wait.ConfigureAwait(false);
        return await ReadAsync(index).ConfigureAwait(false);
    }

    private TaskCompletionSource? TakeWaiter()
    {
        var waiter = _more;
        _more = null;
        return waiter;
    }
}

/// <summary>What followers of an <see cref="InflightFill"/> get of the leader's response: its head with the backend's
/// fields, the Vary field names and the secondary key of the leader's request (a follower whose values differ does not
/// share it).</summary>
public sealed record SharedHead(HttpResponseHead Head, string[]? VaryFields, string SecondaryKey);
