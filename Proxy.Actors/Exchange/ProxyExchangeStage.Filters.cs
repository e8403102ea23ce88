using Proxy.Actors.Connections;
using Akka.Event;
using Proxy.Shared.Http;
using Proxy.Shared.Pipeline;

namespace Proxy.Actors.Exchange;

// The filter phases: request filters run in order once the request is routed (one may answer it itself, and a pending
// one resumes the exchange through an async callback on the connection's actor); upstream request filters once the
// request is about to go upstream; response head filters on every response head before it goes to the client.
public sealed partial class ProxyExchangeStage
{
    private sealed partial class Logic
    {
        private Action<Task<FilterVerdict>>? _onFilterDone;

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
                _onFilterDone ??= GetAsyncCallback<Task<FilterVerdict>>(OnFilterDone);
                decision.AsTask().ContinueWith(_onFilterDone, TaskContinuationOptions.ExecuteSynchronously);
                return;
            }
            ContinueAfterFilters();
        }

        private void OnFilterDone(Task<FilterVerdict> decided)
        {
            if (_exchange is null || _phase != Phase.Connecting) return; // the client left meanwhile
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
            RespondLocal(verdict.Answer, close: Exchange.Request!.HasBody, verdict.Reason, extra: verdict.Headers);
            return false;
        }

        /// <summary>A filter that failed answers 500: a broken filter must not let requests past it.</summary>
        private void FilterFailed(Exception? cause)
        {
            var exchange = Exchange;
            var filter = exchange.Pipeline.RequestFilters[exchange.NextRequestFilter - 1];
            Log.Error(cause, "Request filter {0} failed", filter.GetType().Name);
            _runtime.FilterFailures.Count(filter, "request");
            RespondLocal(ProxyError.RequestFilterFailed, close: exchange.Request!.HasBody);
        }

        /// <summary>Runs the upstream request filters on the request about to go upstream; false when one failed (and
        /// the request was answered 500).</summary>
        private bool RunUpstreamRequestFilters()
        {
            var exchange = Exchange;
            foreach (var filter in exchange.Pipeline.UpstreamRequestFilters)
            {
                try
                {
                    filter.OnUpstreamRequest(exchange, exchange.Request!);
                }
                catch (Exception e)
                {
                    Log.Error(e, "Upstream request filter {0} failed", filter.GetType().Name);
                    _runtime.FilterFailures.Count(filter, "upstream_request");
                    RespondLocal(ProxyError.RequestFilterFailed, close: exchange.Request!.HasBody);
                    return false;
                }
            }
            return true;
        }

        /// <summary>Runs the response head filters on <paramref name="head"/>; false when one failed. On the node's own
        /// answer a failure is only logged (the answer goes out as it is).</summary>
        private bool RunResponseHeadFilters(HttpResponseHead head)
        {
            var exchange = Exchange;
            foreach (var filter in exchange.Pipeline.ResponseHeadFilters)
            {
                try
                {
                    filter.OnResponseHead(exchange, head);
                }
                catch (Exception e)
                {
                    Log.Error(e, "Response head filter {0} failed", filter.GetType().Name);
                    _runtime.FilterFailures.Count(filter, "response_head");
                    if (!exchange.LocalAnswer) return false;
                }
            }
            return true;
        }
    }
}
