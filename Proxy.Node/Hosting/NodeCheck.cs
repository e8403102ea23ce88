using System.Net;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Hosting;

/// <summary>
/// <c>Proxy.Node --check [--config FILE]</c> (issue 22, like <c>nginx -t</c>): everything a start does short of
/// serving and joining — parse and validate the config and the node's environment, read every certificate and key,
/// open the access log and the SQLite journal (creating them as a start would), parse the Redis options, and bind
/// every address once and let it go — then print OK or every problem; exit 0 or 2.
/// </summary>
public static class NodeCheck
{
    public static int Run(string configPath, IReadOnlyDictionary<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var loaded = ProxyConfigLoader.Load(configPath, environment);
        var problems = loaded.Problems.Select(p => p.ToString()).ToList();
        var options = NodeOptions.FromEnvironment(environment, problems);
        if (loaded.IsValid && problems.Count == 0) problems.AddRange(StartChecks(loaded.Settings!, options));

        if (problems.Count == 0)
        {
            stdout.WriteLine($"configuration OK: {configPath}");
            return 0;
        }
        stderr.WriteLine($"invalid configuration ({configPath}):");
        foreach (var problem in problems) stderr.WriteLine("  " + problem);
        return Program.ExitInvalidConfig;
    }

    /// <summary>What a start would find wrong with files and addresses; each check runs whatever the others found.</summary>
    private static List<string> StartChecks(ProxySettings settings, NodeOptions options)
    {
        var problems = new List<string>();
        void Check(Action check)
        {
            try
            {
                check();
            }
            catch (ConfigFileException e)
            {
                problems.Add(e.Message);
            }
        }

        for (var i = 0; i < settings.Listeners.Count; i++)
        {
            var index = i;
            if (settings.Listeners[i].Tls is not null) Check(() => ConfiguredFiles.LoadCertificates(settings.Listeners[index], index).Dispose());
        }
        if (settings.AccessLog.Enabled && settings.AccessLog.Target != "stdout")
            Check(() => ConfiguredFiles.OpenAccessLog(settings.AccessLog).DisposeAsync().AsTask().GetAwaiter().GetResult());
        Check(() => ConfiguredFiles.NodeDefaults(settings));
        Check(() => PluginLoader.Load(settings.Plugins));
        if (settings.Redis is { } redis) Check(() => ConfiguredFiles.CheckRedisOptions(redis));

        for (var i = 0; i < settings.Listeners.Count; i++)
            Check(Probe($"proxy.listeners[{i}].address", settings.Listeners[i].Address));
        for (var i = 0; i < settings.TcpRoutes.Count; i++)
            Check(Probe($"proxy.tcp-routes[{i}].listen", settings.TcpRoutes[i].Listen));
        Check(Probe("proxy.admin.address", settings.Admin.Address));
        if (settings.DemoBackend is { } demo) Check(Probe("proxy.demo-backend", demo));
        if (options.Port != 0 && IPAddress.TryParse(options.Hostname, out _))
            Check(Probe("PROXY_PORT", $"{options.Hostname}:{options.Port}", " (cluster remoting)"));
        if (options.Formation.UsesBootstrap && IPAddress.TryParse(options.Hostname, out _))
            Check(Probe("PROXY_MANAGEMENT_PORT", $"{options.Hostname}:{options.Formation.ManagementPort}"));
        return problems;
    }

    private static Action Probe(string path, string address, string what = "") => () => AddressBinding.Probe(path, address, what);
}
