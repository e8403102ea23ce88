namespace Proxy.Shared.Configuration;

/// <summary>Defaults for the <c>proxy</c> settings that are not lists or pools; a loaded file falls back to
/// them. Kept equal to the defaults of the <see cref="ProxySettings"/> records (a test checks this).</summary>
public static class ProxyConfigDefaults
{
    public const string Hocon = """
        proxy {
          admin {
            address = "127.0.0.1:9110"
          }
          access-log {
            enabled = on
            target = stdout
          }
          metrics {
            enabled = on
          }
          tracing {
            enabled = on
            sample-ratio = 0.01
          }
          limits {
            max-head-size = 64k
            max-headers = 100
            max-uri-size = 8k
            max-body-size = 0
          }
          timeouts {
            request-head = 10s
            idle = 75s
            client-send = 60s
          }
          startup {
            state-timeout = 10s
          }
          shutdown {
            drain-delay = 5s
            timeout = 15s
          }
          cache-cluster {
            enabled = on
            owner-timeout = 5s
          }
          forwarded-header = off
          defaults {
            request-id {
              enabled = on
              header = "X-Request-ID"
              generate = on
            }
          }
        }
        """;
}
