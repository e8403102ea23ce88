using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Actors.Connections;
using Proxy.Shared.Http;

namespace Proxy.Actors.Http;

/// <summary>
/// Decodes client bytes into request parts (head, body slices, end) with the strict rules of
/// <see cref="Http1RequestParser"/> and <see cref="ChunkedDecoder"/>. It reads only when the next stage pulls,
/// so a request body is read from the socket no faster than the backend takes it. On a protocol error it emits
/// <see cref="RequestMalformedPart"/> and completes: nothing after a bad message is interpreted (no smuggling).
/// </summary>
public sealed class HttpRequestDecoderStage : GraphStage<FlowShape<ByteString, RequestPart>>
{
    /// <summary>Limits and the connection context come from <see cref="ConnectionSetup.Current"/> at materialization.</summary>
    public HttpRequestDecoderStage()
    {
        Shape = new FlowShape<ByteString, RequestPart>(In, Out);
    }

    public Inlet<ByteString> In { get; } = new("http-decoder.in");
    public Outlet<RequestPart> Out { get; } = new("http-decoder.out");
    public override FlowShape<ByteString, RequestPart> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("http-request-decoder");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, ConnectionSetup.Current);

    /// <summary><c>AwaitSwitch</c>: after a CONNECT or Upgrade head nothing more is parsed until the exchange decides
    /// (<see cref="ConnectionContext.DecideSwitch"/>): a protocol switch makes every following byte the tunnel's
    /// (<c>Tunnel</c>: passed on as body parts; the client's half-close becomes an end part); a refusal goes back to
    /// parsing request heads. The decoder knows HTTP/1.1 framing, not proxy rules.</summary>
    private enum State { Head, FixedBody, ChunkedBody, AwaitSwitch, Tunnel, Failed }

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly HttpRequestDecoderStage _stage;
        private readonly HttpLimits _limits;
        private readonly ConnectionContext _context;
        // Made when first needed: most connections never see a chunked request or a protocol switch, and what a
        // connection holds it holds for as long as the client keeps it open (an Akka async callback is ~300 B).
        private ChunkedDecoder? _chunked;
        private ByteString _buffered = ByteString.Empty;
        private State _state = State.Head;
        private long _remaining;
        private long _bodyBytes;

        // Made with the port counts, not the shape: Akka's shape constructor formats the shape's ports into a new log-source
        // string for every logic, that is for every connection; the log source is this stage's fixed name instead.
        private static readonly Akka.Event.LogSource LogName = Akka.Event.LogSource.Create("http-request-decoder");

        protected override object LogSource => LogName;

        public Logic(HttpRequestDecoderStage stage, ConnectionSetup setup) : base(inCount: 1, outCount: 1)
        {
            _stage = stage;
            _limits = setup.Limits;
            _context = setup.Context;
            SetHandlers(stage.In, stage.Out, this);
        }

        private void OnSwitchDecided(bool tunnel)
        {
            if (_state != State.AwaitSwitch) return;
            _state = tunnel ? State.Tunnel : State.Head;
            if (IsClosed(_stage.In))
            {
                // The client half-closed while the decision was pending.
                OnUpstreamFinish();
                return;
            }
            Process();
        }

        public override void OnPush()
        {
            var data = Grab(_stage.In);
            if (data.IsEmpty)
            {
                Pull(_stage.In);
                return;
            }
            if (_state == State.Head && _buffered.IsEmpty && _context.HeadStartedAt == 0)
                _context.HeadStartedAt = Environment.TickCount64;
            _buffered = _buffered.IsEmpty ? data : _buffered.Concat(data);
            Process();
        }

        public override void OnUpstreamFinish()
        {
            if (_state == State.AwaitSwitch) return; // finished by the decision (OnSwitchDecided)
            if (_state == State.Tunnel)
            {
                // Half-close: what is buffered goes first, then the end part, then this stage completes.
                if (!_buffered.IsEmpty)
                {
                    var rest = _buffered;
                    _buffered = ByteString.Empty;
                    Emit(_stage.Out, new RequestBodyPart(rest));
                }
                Emit(_stage.Out, RequestEndPart.NoTrailers, CompleteStage);
                return;
            }
            // Buffered bytes may still hold pipelined requests: they are served before the stage completes
            // (RequestMore completes it once nothing more can be parsed).
            if (_buffered.IsEmpty || _state == State.Failed) CompleteStage();
            else Process();
        }

        public override void OnPull() => Process();

        private void Process()
        {
            if (!IsAvailable(_stage.Out)) return;
            switch (_state)
            {
                case State.Head:
                    ProcessHead();
                    break;
                case State.FixedBody:
                    ProcessFixedBody();
                    break;
                case State.ChunkedBody:
                    ProcessChunkedBody();
                    break;
                case State.AwaitSwitch:
                    return;
                case State.Tunnel:
                    if (_buffered.IsEmpty)
                    {
                        if (!HasBeenPulled(_stage.In) && !IsClosed(_stage.In)) Pull(_stage.In);
                        return;
                    }
                    var data = _buffered;
                    _buffered = ByteString.Empty;
                    Push(_stage.Out, new RequestBodyPart(data));
                    break;
            }
        }

        private void ProcessHead()
        {
            if (_buffered.IsEmpty)
            {
                RequestMore();
                return;
            }
            var span = _buffered.ToReadOnlySpan();
            var status = Http1RequestParser.TryParse(span, _limits, out var head, out var consumed, out var error);
            switch (status)
            {
                case ParseStatus.Incomplete:
                    if (!_buffered.IsCompact) _buffered = _buffered.Compact();
                    RequestMore();
                    return;
                case ParseStatus.Invalid:
                    Malformed(error);
                    return;
            }
            _context.HeadStartedAt = 0;
            _buffered = _buffered.Slice(consumed);
            _bodyBytes = 0;
            // CONNECT, and an Upgrade request (WebSocket) that may be answered with 101: what follows is the tunnel's
            // or the next request's, as the exchange decides.
            if (head!.Method == "CONNECT" || head.IsUpgrade && !head.HasBody)
            {
                _state = State.AwaitSwitch;
                _context.SwitchPending = true;
                _context.DecideSwitch ??= GetAsyncCallback<bool>(OnSwitchDecided);
                Push(_stage.Out, new RequestHeadPart(head));
                return;
            }
            if (head.Chunked)
            {
                if (_chunked is null) _chunked = new ChunkedDecoder(_limits.MaxHeadBytes, _limits.MaxHeaders);
                else _chunked.Reset();
                _state = State.ChunkedBody;
            }
            else if (head.ContentLength > 0)
            {
                _remaining = head.ContentLength;
                _state = State.FixedBody;
            }
            Push(_stage.Out, new RequestHeadPart(head));
            if (_state == State.Head && !_buffered.IsEmpty && _context.HeadStartedAt == 0)
                _context.HeadStartedAt = Environment.TickCount64;
        }

        private void ProcessFixedBody()
        {
            if (_buffered.IsEmpty)
            {
                RequestMore();
                return;
            }
            var take = (int)Math.Min(_remaining, _buffered.Count);
            var slice = take == _buffered.Count ? _buffered : _buffered.Slice(0, take);
            _buffered = take == _buffered.Count ? ByteString.Empty : _buffered.Slice(take);
            _remaining -= take;
            if (_remaining == 0)
            {
                _state = State.Head;
                EmitMultiple(_stage.Out, [new RequestBodyPart(slice), RequestEndPart.NoTrailers]);
                return;
            }
            Push(_stage.Out, new RequestBodyPart(slice));
        }

        private void ProcessChunkedBody()
        {
            while (true)
            {
                if (_buffered.IsEmpty)
                {
                    RequestMore();
                    return;
                }
                var span = _buffered.ToReadOnlySpan();
                var step = _chunked!.Decode(span, out var consumed, out var offset, out var length, out var error);
                switch (step)
                {
                    case ChunkStep.NeedMore:
                        _buffered = ByteString.Empty;
                        RequestMore();
                        return;
                    case ChunkStep.Invalid:
                        Malformed(error);
                        return;
                    case ChunkStep.Data:
                    {
                        var data = _buffered.Slice(offset, length);
                        _buffered = _buffered.Slice(consumed);
                        _bodyBytes += length;
                        var max = _limits.MaxBodyBytes;
                        if (max > 0 && _bodyBytes > max)
                        {
                            Malformed(new HttpParseError(413, "request body larger than the configured limit"));
                            return;
                        }
                        Push(_stage.Out, new RequestBodyPart(data));
                        return;
                    }
                    case ChunkStep.Done:
                        _buffered = _buffered.Slice(consumed);
                        _state = State.Head;
                        Push(_stage.Out, _chunked.Trailers is null ? RequestEndPart.NoTrailers : new RequestEndPart(_chunked.Trailers));
                        return;
                }
            }
        }

        private void RequestMore()
        {
            if (IsClosed(_stage.In))
            {
                // The client closed with an incomplete message: nothing more will come.
                CompleteStage();
                return;
            }
            if (!HasBeenPulled(_stage.In)) Pull(_stage.In);
        }

        private void Malformed(HttpParseError error)
        {
            _state = State.Failed;
            _buffered = ByteString.Empty;
            Cancel(_stage.In);
            Push(_stage.Out, new RequestMalformedPart(error));
            Complete(_stage.Out);
        }
    }
}
