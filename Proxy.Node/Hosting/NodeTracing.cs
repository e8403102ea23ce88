using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Proxy.Actors.Tracing;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>
/// O5: the OpenTelemetry SDK's tracer provider for the node's <see cref="ExchangeTracing"/> spans, which are sampled
/// before they are started (a client's <c>traceparent</c> is followed, otherwise <c>tracing.sample-ratio</c>), OTLP/HTTP
/// export to <c>tracing.otlp-endpoint</c> when one is set, batched once a second. Without an endpoint nothing is
/// exported, and the trace context is still passed on.
/// </summary>
/// <remarks>
/// Activity listeners are process-wide: several nodes in one process (the in-process test clusters) each see every
/// node's spans. A process runs one node in production.
/// </remarks>
public static class NodeTracing
{
    public static TracerProvider? Create(TracingSettings settings, string serviceInstance)
    {
        if (!settings.Enabled) return null;
        var builder = Sdk.CreateTracerProviderBuilder()
            .AddSource(ExchangeTracing.SourceName)
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("proxy", serviceInstanceId: serviceInstance,
                serviceVersion: typeof(NodeTracing).Assembly.GetName().Version?.ToString(3)))
            // ExchangeTracing decides (parent-based, tracing.sample-ratio for new traces) and starts only the spans it keeps.
            .SetSampler(new AlwaysOnSampler());
        if (settings.OtlpEndpoint is { } endpoint)
        {
            builder.AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(endpoint.TrimEnd('/') + "/v1/traces");
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 1000;
            });
        }
        return builder.Build();
    }
}
