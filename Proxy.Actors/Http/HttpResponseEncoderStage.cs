using Akka.IO;
using Akka.Streams;
using Akka.Streams.Stage;
using Proxy.Shared.Http;

namespace Proxy.Actors.Http;

/// <summary>
/// Serializes response parts to bytes: the head (with any body bytes that came with it, in one buffer),
/// chunk framing when the framing is chunked, and the last chunk with trailers.
/// </summary>
public sealed class HttpResponseEncoderStage : GraphStage<FlowShape<ResponsePart, ByteString>>
{
    private static readonly ByteString ContinueBytes = ByteString.FromString("HTTP/1.1 100 Continue\r\n\r\n");

    public HttpResponseEncoderStage() => Shape = new FlowShape<ResponsePart, ByteString>(In, Out);

    public Inlet<ResponsePart> In { get; } = new("http-encoder.in");
    public Outlet<ByteString> Out { get; } = new("http-encoder.out");
    public override FlowShape<ResponsePart, ByteString> Shape { get; }

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("http-response-encoder");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly HttpResponseEncoderStage _stage;
        /// <summary>Scratch for what this stage frames; its array goes back to the pool after each part, so an idle
        /// connection holds none (nor one a large head once grew).</summary>
        private readonly RentedBufferWriter _writer = new(256);
        private bool _chunked;

        // Made with the port counts, not the shape: Akka's shape constructor formats the shape's ports into a new log-source
        // string for every logic, that is for every connection; the log source is this stage's fixed name instead.
        private static readonly Akka.Event.LogSource LogName = Akka.Event.LogSource.Create("http-response-encoder");

        protected override object LogSource => LogName;

        public Logic(HttpResponseEncoderStage stage) : base(inCount: 1, outCount: 1)
        {
            _stage = stage;
            SetHandlers(stage.In, stage.Out, this);
        }

        public override void OnPull() => Pull(_stage.In);

        public override void OnPush()
        {
            var part = Grab(_stage.In);
            switch (part)
            {
                case ResponseBodyPart body:
                    if (body.Data.IsEmpty)
                    {
                        Pull(_stage.In);
                        return;
                    }
                    Push(_stage.Out, _chunked ? Chunk(body.Data) : body.Data);
                    return;
                case ResponseHeadPart head:
                    Push(_stage.Out, EncodeHead(head));
                    return;
                case ResponseEndPart end:
                    if (!_chunked)
                    {
                        Pull(_stage.In);
                        return;
                    }
                    _chunked = false;
                    _writer.Reset();
                    Http1Writer.WriteLastChunk(_writer, end.Trailers);
                    Push(_stage.Out, Take());
                    return;
                case ResponseInterimPart interim:
                    Push(_stage.Out, ReferenceEquals(interim, ResponseInterimPart.Continue) ? ContinueBytes : EncodeInterim(interim));
                    return;
            }
        }

        private ByteString EncodeHead(ResponseHeadPart head)
        {
            _writer.Reset();
            Http1Writer.WriteStatusLine(_writer, head.Status, head.Reason);
            Http1Writer.WriteHeaders(_writer, head.Headers);
            _chunked = head.Framing == BodyFraming.Chunked;
            if (_chunked) Http1Writer.WriteHeader(_writer, "Transfer-Encoding", "chunked");
            Http1Writer.WriteEndOfHead(_writer);
            if (!head.Body.IsEmpty)
            {
                if (_chunked) Http1Writer.WriteChunkHeader(_writer, head.Body.Count);
                var span = _writer.GetSpan(head.Body.Count);
                head.Body.CopyTo(ref span);
                _writer.Advance(head.Body.Count);
                if (_chunked) Http1Writer.WriteChunkEnd(_writer);
            }
            if (head.Complete && _chunked)
            {
                Http1Writer.WriteLastChunk(_writer, null);
                _chunked = false;
            }
            return Take();
        }

        private ByteString EncodeInterim(ResponseInterimPart interim)
        {
            _writer.Reset();
            Http1Writer.WriteStatusLine(_writer, interim.Status, interim.Reason);
            if (interim.Headers is not null) Http1Writer.WriteHeaders(_writer, interim.Headers);
            Http1Writer.WriteEndOfHead(_writer);
            return Take();
        }

        private ByteString Chunk(ByteString data)
        {
            _writer.Reset();
            Http1Writer.WriteChunkHeader(_writer, data.Count);
            var header = Take();
            return header.Concat(data).Concat(CrLf);
        }

        // The bytes are copied out to an array the ByteString owns, and the scratch array goes back to the pool.
        private ByteString Take()
        {
            var bytes = ByteString.FromBytes(_writer.WrittenSpan.ToArray());
            _writer.Return();
            return bytes;
        }
    }

    private static readonly ByteString CrLf = ByteString.FromString("\r\n");
}
