using Akka.Actor;
using Akka.Event;
using Proxy.Actors.Admin;
using Proxy.Actors.Connections;
using Proxy.Shared.Connections;

namespace Proxy.Node.Hosting;

/// <summary>
/// D6: hooks the data plane into CoordinatedShutdown (which SIGTERM/SIGINT trigger through the host), in the
/// order load balancers and Kubernetes endpoint removal expect: before-service-unbind turns <c>/ready</c> 503 and
/// keeps accepting for the drain delay while every response carries <c>Connection: close</c>; service-unbind
/// stops accepting; service-requests-done closes idle connections and lets in-flight requests finish up to the
/// timeout; then Akka's own cluster phases leave the cluster.
/// </summary>
public static class GracefulShutdown
{
    public static void Register(ActorSystem system, ListenerSet listeners, ProxyRuntime runtime,
        NodeReadiness readiness, Shared.Configuration.ShutdownSettings settings)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        var log = Logging.GetLogger(system, typeof(GracefulShutdown));
        var deadline = settings.Timeout;

        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "announce-drain", async () =>
        {
            readiness.Stopping = true;
            runtime.BeginDraining();
            if (settings.DrainDelay > TimeSpan.Zero)
            {
                log.Info("Draining: /ready is 503, accepting for {0} more with Connection: close on every response", settings.DrainDelay);
                await Task.Delay(settings.DrainDelay).ConfigureAwait(false);
            }
            return Akka.Done.Instance;
        });

        shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "stop-accepting", async () =>
        {
            var tasks = listeners.Actors.Select(l => l.Ask<StoppedAccepting>(StopAccepting.Instance, TimeSpan.FromSeconds(4)));
            await Task.WhenAll(tasks).ConfigureAwait(false);
            return Akka.Done.Instance;
        });

        shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain-connections", async () =>
        {
            var tasks = listeners.Actors.Select(l => l.Ask<ConnectionsDrained>(DrainConnections.Instance, deadline));
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
                log.Info("All connections drained");
            }
            catch (Exception)
            {
                log.Warning("Shutdown deadline of {0} reached with requests still in flight; closing them", deadline);
            }
            return Akka.Done.Instance;
        });
    }
}
