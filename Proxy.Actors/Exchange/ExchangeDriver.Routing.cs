using Akka.Event;
using Proxy.Shared.Configuration;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;
using Proxy.Shared.Routing;

namespace Proxy.Actors.Exchange;

// The request's way in: its route and pool (or, on a forward listener, its upstream proxy), then the request filters in
// order (one may answer it itself; a pending one resumes the exchange through a callback on the front's actor), the
// proxy's own request fields and the upstream request filters; then the attempts.
internal sealed partial class ExchangeDriver
{

    /// <summary>Takes <paramref name="exchange"/> (its request head just arrived) to its route, filters and backend.</summary>
    public void Begin(ExchangeContext exchange)
    {
        _exchange = exchange;
        _state = State.Routing;
        _deadlineKind = Deadline.None;
        var head = exchange.Request!;
        var snapshot = _runtime.Current;
        if (_listener.Mode == ListenerMode.Forward)
        {
            BeginForward(head, snapshot);
            return;
        }
        if (_listener.Mode == ListenerMode.CachePeer)
        {
            BeginPeer(head, snapshot);
            return;
        }
        if (head.Method == "CONNECT")
        {
            Respond(ProxyError.ConnectNotAllowed, close: true);
            return;
        }
        var route = snapshot.Routes.Match(head);
        if (route is null)
        {
            Respond(ProxyError.NoRoute, close: head.HasBody);
            return;
        }
        exchange.Route = route;
        if (!snapshot.Pools.TryGetValue(PoolNameFor(route, head), out var pool))
        {
            Respond(ProxyError.NoPool, close: head.HasBody);
            return;
        }
        exchange.Pool = pool;
        exchange.Pipeline = snapshot.PipelineFor(route);
        RunRequestFilters();
    }

    /// <summary>R2: a split route picks its pool per request (by its split-key when the request has one).</summary>
    private string PoolNameFor(CompiledRoute route, HttpRequestHead head) => route.Split is { } split
        ? split.Choose(split.Key is { } key ? RequestKey.Of(key, head, Exchange.Client) : null)
        : route.PoolName;

    /// <summary>Runs the request filters from the exchange's next one; on to an upstream when every one let the
    /// request pass.</summary>
    private void RunRequestFilters()
    {
        var exchange = Exchange;
        var filters = exchange.Pipeline.RequestFilters;
        while (exchange.NextRequestFilter < filters.Length)
        {
            ValueTask<FilterVerdict> decision;
            try
            {
                decision = filters[exchange.NextRequestFilter++].OnRequestAsync(exchange);
            }
            catch (Exception e)
            {
                decision = ValueTask.FromException<FilterVerdict>(e);
            }
            if (decision.IsCompletedSuccessfully)
            {
                if (!Proceed(decision.Result)) return;
                continue;
            }
            WakeWhenDone(decision.AsTask());
            return;
        }
        ContinueAfterFilters();
    }

    private void OnFilterDone(Task<FilterVerdict> decided)
    {
        if (_exchange is null || _state != State.Routing) return; // the client left meanwhile
        if (!decided.IsCompletedSuccessfully)
        {
            FilterFailed(decided.Exception?.InnerException);
            return;
        }
        if (Proceed(decided.Result)) RunRequestFilters();
    }

    /// <summary>True when the request goes on; false when the filter answered it.</summary>
    private bool Proceed(FilterVerdict verdict)
    {
        if (verdict.Continues) return true;
        if (verdict.Source is { } source)
        {
            Serve(source);
            return false;
        }
        var close = Exchange.Request!.HasBody;
        Finish();
        _front.RespondLocal(verdict.Answer, close, verdict.Reason, extra: verdict.Headers);
        return false;
    }

    /// <summary>A filter that failed answers 500: a broken filter must not let requests past it.</summary>
    private void FilterFailed(Exception? cause)
    {
        var exchange = Exchange;
        var filter = exchange.Pipeline.RequestFilters[exchange.NextRequestFilter - 1];
        _front.Log.Error(cause, "Request filter {0} failed", filter.GetType().Name);
        _runtime.FilterFailures.Count(filter, "request");
        Respond(ProxyError.RequestFilterFailed, close: exchange.Request!.HasBody);
    }

    /// <summary>The request passed its filters: its proxy fields, the upstream request filters, then a backend.</summary>
    private void ContinueAfterFilters()
    {
        var exchange = Exchange;
        var head = exchange.Request!;
        var pool = exchange.Pool!;
        pool.Budget.RecordRequest();
        exchange.MayResend = RetrySafety.MayResend(head, exchange.Route!.RetryNonIdempotent ?? pool.Settings.Retries.NonIdempotent);
        // A cache peer's request comes prepared by the node its client is on (with that client's address).
        if (!exchange.FromCachePeer) ForwardingHeaders.Prepare(head, exchange.Client, exchange.Secure, _runtime.Current.Settings.AddForwardedHeader);
        if (!FilterPhases.RunUpstreamRequest(exchange, _runtime, _front))
        {
            Respond(ProxyError.RequestFilterFailed, close: head.HasBody);
            return;
        }
        StartAttempts();
    }

    /// <summary>The first attempt of a request ready to go upstream (its pool or upstream proxy chosen).</summary>
    private void StartAttempts()
    {
        _state = State.Connecting;
        StartAttempt(avoid: null);
    }
}
