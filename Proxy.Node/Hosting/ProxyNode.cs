using System.Runtime.InteropServices;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proxy.Actors.Admin;
using Proxy.Actors.Caching;
using Proxy.Actors.Caching.Peers;
using Proxy.Actors.Connections;
using Proxy.Actors.Forwarding;
using Proxy.Actors.Limits;
using Proxy.Actors.Exchange;
using Proxy.Actors.Metrics;
using Proxy.Actors.Tracing;
using Proxy.Actors.Logging;
using Proxy.Actors.Pools;
using Proxy.Actors.Runtime;
using Proxy.Actors.Tcp;
using Proxy.Actors.Tls;
using Proxy.Actors.Transport;
using Proxy.Node.Admin;
using Proxy.Node.Demo;
using Proxy.Node.Revisions;
using Proxy.Actors.ConfigRevisions;
using Proxy.Shared.Configuration;
using Proxy.Shared.Connections;
using Proxy.Shared.Routing;

namespace Proxy.Node.Hosting;

/// <summary>
/// A running proxy node: the .NET host, its ActorSystem "proxy" (Akka.Hosting, clustering on), the bound
/// listeners and admin endpoint. Used by Program and, in-process, by the integration tests.
/// </summary>
public sealed class ProxyNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly AdminServer _admin;
    private readonly DemoBackend? _demo;

    private readonly ListenerSet _listeners;

    private ProxyNode(IHost host, ActorSystem system, ListenerSet listeners,
        AdminServer admin, ProxyRuntime runtime, DemoBackend? demo)
    {
        _host = host;
        System = system;
        _listeners = listeners;
        _admin = admin;
        Runtime = runtime;
        _demo = demo;
    }

    public ActorSystem System { get; }
    /// <summary>Bound address of each listener by name (real ports when configured with port 0); TCP routes as "tcp:NAME".</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Listeners => _listeners.EndPoints;
    /// <summary>Bound address of the admin listener (health, readiness, the pbm API).</summary>
    public IPEndPoint Admin => _admin.EndPoint;
    public ProxyRuntime Runtime { get; }
    public Task Stopped => _host.WaitForShutdownAsync();

    /// <summary>How long an admin query waits for the cluster (pool entities, sharding statistics).</summary>
    private static readonly TimeSpan AdminQueryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Binds every socket first (so a taken port fails fast), then starts the host and the actors.</summary>
    public static async Task<ProxyNode> StartAsync(Config hocon, ProxySettings settings, NodeOptions options,
        CancellationToken cancellationToken = default)
    {
        var bound = new Dictionary<string, Socket>();
        var boundTcp = new Dictionary<string, Socket>();
        var certificates = new Dictionary<string, CertificateStore>();
        IReadOnlyDictionary<string, Proxy.Shared.Pipeline.IExchangeFilter> plugins = new Dictionary<string, Proxy.Shared.Pipeline.IExchangeFilter>();
        AdminServer? admin = null;
        BootstrapEndpoint? bootstrap = null;
        DemoBackend? demo = null;
        AccessLog? accessLog = null;
        RedisLeaseStore? redisStore = null;
        Config nodeDefaults;
        var readiness = new NodeReadiness();
        var adminApi = new AdminApi();
        // O3: one registry per node (in-process test clusters run several nodes), served at the admin's /metrics.
        var metrics = Prometheus.Metrics.NewCustomRegistry();
        var logLevel = ToLogLevel(settings.LogLevel);
        try
        {
            if (settings.DemoBackend is { } demoAddress)
                demo = AddressBinding.Bind("proxy.demo-backend", demoAddress, () => DemoBackend.Start(EndpointParser.Parse(demoAddress)));
            for (var i = 0; i < settings.Listeners.Count; i++)
                if (settings.Listeners[i].Tls is not null) certificates[settings.Listeners[i].Name] = ConfiguredFiles.LoadCertificates(settings.Listeners[i], i);
            plugins = PluginLoader.Load(settings.Plugins);
            for (var i = 0; i < settings.Listeners.Count; i++)
            {
                var address = settings.Listeners[i].Address;
                bound[settings.Listeners[i].Name] = AddressBinding.Bind($"proxy.listeners[{i}].address", address,
                    () => SocketAcceptLoop.Bind(EndpointParser.Parse(address)));
            }
            if (settings.CacheCluster.Enabled)
            {
                // E5: the internal listener the other nodes ask for the keys this node owns.
                var address = settings.CacheCluster.Address ?? new HostPort(options.Hostname, 0).ToString();
                bound[CachePeerListener.Name] = AddressBinding.Bind(settings.CacheCluster.Address is null ? "PROXY_HOSTNAME" : "proxy.cache-cluster.address",
                    address, () => SocketAcceptLoop.Bind(EndpointParser.Parse(address)));
            }
            for (var i = 0; i < settings.TcpRoutes.Count; i++)
            {
                var address = settings.TcpRoutes[i].Listen;
                boundTcp[settings.TcpRoutes[i].Name] = AddressBinding.Bind($"proxy.tcp-routes[{i}].listen", address,
                    () => SocketAcceptLoop.Bind(EndpointParser.Parse(address)));
            }
            // Akka binds the remoting port while the host starts, after logging the failure with stack traces; a
            // trial bind first gives the plain message (a fixed port only; a name is resolved by Akka).
            if (options.Port != 0 && IPAddress.TryParse(options.Hostname, out _))
                AddressBinding.Probe("PROXY_PORT", $"{options.Hostname}:{options.Port}", " (cluster remoting)");
            if (options.Formation.UsesBootstrap)
            {
                var management = $"{options.Hostname}:{options.Formation.ManagementPort}";
                bootstrap = await AddressBinding.BindAsync("PROXY_MANAGEMENT_PORT", management,
                    () => BootstrapEndpoint.StartAsync(EndpointParser.Parse(management), cancellationToken)).ConfigureAwait(false);
            }
            admin = await AddressBinding.BindAsync("proxy.admin.address", settings.Admin.Address,
                () => AdminServer.StartAsync(EndpointParser.Parse(settings.Admin.Address), settings.AdminToken, readiness,
                    adminApi, metrics, settings.LogFormat, logLevel, cancellationToken)).ConfigureAwait(false);
            // The files the config names, opened before the ActorSystem starts (Hosting would log a stack trace).
            accessLog = ConfiguredFiles.OpenAccessLog(settings.AccessLog);
            nodeDefaults = ConfiguredFiles.NodeDefaults(settings);
            // Connects in the background (AbortOnConnectFail off): a Redis that is down does not stop the node.
            if (settings.RateLimits.Any(l => l.Store == Proxy.Shared.RateLimiting.RateLimitStore.Redis) && settings.Redis is { } redis)
                redisStore = ConfiguredFiles.ConnectRedis(redis);
        }
        catch
        {
            if (accessLog is not null) await accessLog.DisposeAsync().ConfigureAwait(false);
            redisStore?.Dispose();
            foreach (var s in bound.Values.Concat(boundTcp.Values)) s.Dispose();
            foreach (var c in certificates.Values) c.Dispose();
            if (admin is not null) await admin.DisposeAsync().ConfigureAwait(false);
            if (bootstrap is not null) await bootstrap.DisposeAsync().ConfigureAwait(false);
            demo?.Dispose();
            throw;
        }

        var pools = new Dictionary<string, PoolRuntime>();
        foreach (var (name, pool) in settings.Pools) pools[name] = new PoolRuntime(pool);
        var forwarders = settings.Listeners.Where(l => l.Mode == ListenerMode.Forward)
            .ToDictionary(l => l.Name, l => new ForwardRuntime(l, settings.Forward));
        var limiter = settings.RateLimits.Count > 0
            ? new LimiterRuntime(settings.RateLimits, settings.Routes.Select(r => r.Name), Prometheus.Metrics.WithCustomRegistry(metrics))
            : null;
        // C2: listeners accept once every pool's agent has the cluster's state of it (bounded by startup.state-timeout).
        var clusterState = new ClusterStateGate(pools.Keys);
        readiness.ClusterState = clusterState;
        // A key or users file that changes into something unusable is logged once the actor system (and its log) runs.
        Akka.Event.ILoggingAdapter? nodeLog = null;
        var liveStats = settings.Metrics.Enabled ? new LiveStats() : null;
        var caches = new ResponseCaches("proxy", settings.CacheCluster.Enabled ? new CacheOwners(settings.CacheCluster) : null);
        _ = new CacheMetrics(metrics, caches);
        var runtime = new ProxyRuntime(new RuntimeSnapshot(settings, RouteTable.Build(settings.Routes), pools, forwarders, limiter,
            warn: message => nodeLog?.Warning("{0}", message), plugins: plugins, caches: caches), accessLog, clusterState,
            new Proxy.Actors.Exchange.FilterFailures(Prometheus.Metrics.WithCustomRegistry(metrics)),
            Observers(settings, metrics, liveStats))
        {
            ConnectionMetrics = new ConnectionMetrics(Prometheus.Metrics.WithCustomRegistry(metrics)),
            TcpTracing = settings.Tracing.Enabled ? new TcpSessionTracing(settings.Tracing.SampleRatio) : null,
        };
        var nodeState = new NodeStateMetrics(metrics, () => runtime.Current);
        var listenerEndpoints = bound.ToDictionary(kv => kv.Key, kv => (IPEndPoint)kv.Value.LocalEndPoint!);
        foreach (var (name, socket) in boundTcp) listenerEndpoints["tcp:" + name] = (IPEndPoint)socket.LocalEndPoint!;
        var listenerSet = new ListenerSet(listenerEndpoints);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (options.HandleSignals)
        {
            builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Shutdown.DrainDelay + settings.Shutdown.Timeout + TimeSpan.FromSeconds(20));
        // Node logs go to stderr: stdout carries the JSON access log only. Akka's events come through the same
        // logger (FilteringLoggerFactoryLogger), so every line has one format.
        NodeLogging.Add(builder.Logging, settings.LogFormat, logLevel);

        var plannedLeaves = new PlannedLeaves();
        builder.Services.AddAkka("proxy", (akka, _) =>
        {
            options.Formation.AddBootstrap(akka, options.Hostname, options.PublicHostname ?? options.Hostname);
            akka.AddHocon(hocon.WithFallback(nodeDefaults), HoconAddMode.Prepend)
                .WithRemoting(options.Hostname, options.Port, options.PublicHostname)
                .WithClustering(new ClusterOptions
                {
                    Roles = ["proxy"],
                    SeedNodes = options.JoinMethod != ClusterJoinMethod.Seeds
                        ? null
                        : options.Seeds.Select(s => $"akka.tcp://proxy@{s}").ToArray(),
                })
                .ConfigureLoggers(l =>
                {
                    l.LogLevel = ToAkkaLevel(logLevel);
                    l.ClearLoggers();
                    l.AddLogger<FilteringLoggerFactoryLogger>();
                    l.WithLogFilter(f => f.Add(new PlannedLeaveLogFilter(plannedLeaves)));
                })
                .WithProxyShardRegions(() => runtime.Current.Settings)
                .WithConfigRevisionStore()
                .WithActors((system, registry) =>
                {
                    var backendPools = registry.Get<BackendPoolRegion>();
                    var poolAgents = new Dictionary<string, IActorRef>();
                    foreach (var (name, pool) in pools) poolAgents[name] = system.ActorOf(PoolAgent.Props(pool, backendPools, clusterState), "pool-" + name);
                    system.ActorOf(ForwardAgent.Props(() => runtime.Current.Forwarders.Values), "forward-agent");
                    // Limits are attached before any listener accepts, so no request sees a limiter without its region.
                    var rateLimiters = registry.Get<RateLimiterRegion>();
                    var quotas = registry.Get<QuotaRegion>();
                    limiter?.Attach(rateLimiters, Cluster.Get(system).SelfAddress.ToString(), redisStore, quotas);
                    // O6: a revision that changes the limits or the routes gets a limiter of its own, on the same regions.
                    LimiterRuntime? LimiterFor(ProxySettings next)
                    {
                        if (next.RateLimits.Count == 0) return null;
                        var made = new LimiterRuntime(next.RateLimits, next.Routes.Select(r => r.Name), Prometheus.Metrics.WithCustomRegistry(metrics));
                        made.Attach(rateLimiters, Cluster.Get(system).SelfAddress.ToString(), redisStore, quotas);
                        return made;
                    }
                    system.ActorOf(LimiterAgent.Props(() => (runtime.Current.Limiter,
                        runtime.Current.Settings.RateLimits.Select(l => l.Name).ToList())), "limiter");
                    foreach (var listener in settings.Listeners)
                        listenerSet.Started(listener.Name, system.ActorOf(ListenerActor.Props(listener, runtime, bound[listener.Name], options.Transport,
                            certificates.GetValueOrDefault(listener.Name)), "listener-" + listener.Name), listenerEndpoints[listener.Name]);
                    if (bound.TryGetValue(CachePeerListener.Name, out var peerSocket))
                        listenerSet.Started(CachePeerListener.Name, system.ActorOf(ListenerActor.Props(CachePeerListener.Settings(listenerEndpoints[CachePeerListener.Name]),
                            runtime, peerSocket, options.Transport, null), CachePeerListener.ActorName), listenerEndpoints[CachePeerListener.Name]);
                    foreach (var route in settings.TcpRoutes)
                        listenerSet.Started("tcp:" + route.Name, system.ActorOf(TcpRouteActor.Props(route, runtime, boundTcp[route.Name]),
                            "tcp-route-" + route.Name), listenerEndpoints["tcp:" + route.Name]);
                    readiness.ListenersBound = true;
                    // O6: the node's end of the cluster's config revisions; ready once it runs the cluster's latest.
                    var node = Cluster.Get(system).SelfAddress.ToString();
                    var applier = new NodeConfigApplier(runtime, hocon, options.Environment, message => system.Log.Warning("{0}", message));
                    applier.Attach(system, backendPools, poolAgents, listenerSet, options.Transport, LimiterFor, redisStore is not null);
                    var configStore = registry.Get<ConfigRevisionStoreKey>();
                    system.ActorOf(ConfigAgent.Props(configStore, applier, node, state => readiness.Config = state), "config-agent");
                    var cacheAdmin = new CacheAdminQueries(system, AdminQueryTimeout);
                    caches.ClusterPurge = cacheAdmin.PurgeEverywhereAsync;
                    adminApi.Attach(new AdminApi.Attached(new ClusterAdminQueries(system, AdminQueryTimeout),
                        new PoolAdminQueries(() => runtime.Current, backendPools, AdminQueryTimeout),
                        new LimitAdminQueries(system, () => runtime.Current.Settings, rateLimiters, AdminQueryTimeout), new RouteAdminQueries(() => runtime.Current.Settings),
                        new ConfigAdminQueries(configStore, applier, node, AdminQueryTimeout),
                        new NodeStatusQuery(system, runtime, readiness, () => listenerSet.EndPoints),
                        new StatsAdminQueries(system, AdminQueryTimeout), accessLog, cacheAdmin));
                    nodeLog = system.Log;
                    nodeState.Attach(system);
                    accessLog.ReportDropsTo(n => system.Log.Warning(
                        "Access log: {0} entries dropped in the last minute or more (the writer fell 65,536 entries behind)", n));
                    system.Log.Info("Admin listener on {0}; admin API {1}", admin.EndPoint,
                        settings.AdminToken is null ? "off (no admin token configured)" : "on (Bearer token)");
                    system.ActorOf(MemoryTrimmer.Props(), "memory-trimmer");
                    system.ActorOf(LiveStatsAgent.Props(liveStats), LiveStatsAgent.Name);
                    (string Host, int Port)? cacheListener = bound.ContainsKey(CachePeerListener.Name)
                        ? CachePeerListener.Advertised(listenerEndpoints[CachePeerListener.Name], options.PublicHostname ?? options.Hostname)
                        : null;
                    if (cacheListener is { } self) caches.Owners?.UseSelf(self.Host, self.Port);
                    system.ActorOf(CacheAgent.Props(caches, cacheListener), CacheAgent.Name);
                    if (caches.Owners is { } owners)
                        system.ActorOf(CacheMembership.Props(owners, joined: () => Task.Run(() => CacheWarmer.WarmAndLogAsync(() => runtime.Current.Settings, owners, system.Log))), CacheMembership.Name);
                    system.ActorOf(ClusterMembershipLog.Props(plannedLeaves), "cluster-membership-log");
                    GracefulShutdown.Register(system, listenerSet, runtime, readiness, settings.Shutdown);
                })
                .AddStartup((system, _) =>
                {
                    var cluster = Cluster.Get(system);
                    cluster.RegisterOnMemberUp(() =>
                    {
                        readiness.MemberUp = true;
                        // The wait for the pools' state starts once the node is in the cluster: forming or joining
                        // it (bootstrap waits for its contact points) is not the entity being late.
                        clusterState.ExpireAfter(settings.Startup.StateTimeout, missing => system.Log.Warning(
                            "No cluster state for pool(s) {0} within startup.state-timeout ({1}); serving with the config's defaults " +
                            "(drains, weights and health unknown) and not ready until it arrives", string.Join(", ", missing),
                            settings.Startup.StateTimeout));
                    });
                    cluster.RegisterOnMemberRemoved(() => readiness.MemberUp = false);
                    // Neither seeds nor discovery: form a one-node cluster at once (scripts/run.sh).
                    if (options.JoinMethod == ClusterJoinMethod.Self) cluster.Join(cluster.SelfAddress);
                    bootstrap?.StartBootstrap(system, options.PublicHostname ?? options.Hostname);
                });
        });

        var host = builder.Build();
        var tracing = NodeTracing.Create(settings.Tracing, $"{options.PublicHostname ?? options.Hostname}:{options.Port}");
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            tracing?.Dispose();
            await accessLog.DisposeAsync().ConfigureAwait(false);
            redisStore?.Dispose();
            foreach (var s in bound.Values.Concat(boundTcp.Values)) s.Dispose();
            foreach (var c in certificates.Values) c.Dispose();
            await admin.DisposeAsync().ConfigureAwait(false);
            if (bootstrap is not null) await bootstrap.DisposeAsync().ConfigureAwait(false);
            demo?.Dispose();
            // Akka binds the remoting port while the host starts.
            if (AddressBinding.Describe(e) is { } reason)
                throw new ConfigFileException("PROXY_PORT", $"{options.Hostname}:{options.Port} (cluster remoting): {reason}", e);
            throw;
        }
        var system = host.Services.GetRequiredService<ActorSystem>();
        // O4: SIGUSR1 reopens the access log file, as nginx does (signal 10 on Linux; .NET takes raw numbers).
        var reopenSignal = options.HandleSignals && OperatingSystem.IsLinux()
            ? PosixSignalRegistration.Create((PosixSignal)10, c =>
            {
                c.Cancel = true;
                accessLog.RequestReopen();
            })
            : null;
        // O6: SIGHUP or a change to the --config file applies it as the cluster's next revision.
        var configWatcher = options.ConfigPath is { } configPath
            ? ConfigFileWatcher.Start(configPath, () => adminApi.Current?.Config, system.Log, options.HandleSignals)
            : null;
        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            reopenSignal?.Dispose();
            configWatcher?.Dispose();
            // The last spans are exported (up to the exporter's timeout) before the node's process may end.
            tracing?.Dispose();
            accessLog.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            redisStore?.Dispose();
            admin.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
            bootstrap?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            demo?.Dispose();
        }, TaskScheduler.Default);
        return new ProxyNode(host, system, listenerSet, admin, runtime, demo);
    }

    /// <summary>What is told of every exchange after the access log: metrics (O3) with the live window of pbm stats (O2),
    /// and spans (O5), each when on.</summary>
    private static List<IExchangeObserver> Observers(ProxySettings settings, Prometheus.CollectorRegistry metrics, LiveStats? liveStats)
    {
        var observers = new List<IExchangeObserver>(3);
        if (settings.Metrics.Enabled) observers.Add(new ExchangeMetrics(Prometheus.Metrics.WithCustomRegistry(metrics)));
        if (liveStats is not null) observers.Add(liveStats);
        if (settings.Tracing.Enabled) observers.Add(new ExchangeTracing(settings.Tracing.SampleRatio));
        return observers;
    }

    private static LogLevel ToLogLevel(string level) => level switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    private static Akka.Event.LogLevel ToAkkaLevel(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };

    /// <summary>Graceful stop: the same CoordinatedShutdown path as SIGTERM.</summary>
    public async Task StopAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
        await _admin.DisposeAsync().ConfigureAwait(false);
        _demo?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Already stopped.
        }
    }
}
