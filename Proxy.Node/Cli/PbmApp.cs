using System.Reflection;
using Proxy.Node.Cli.Commands;
using Proxy.Node.Cli.Commands.Cache;
using Proxy.Node.Cli.Commands.Config;
using Proxy.Node.Cli.Commands.Stats;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli;

/// <summary>
/// <c>pbm</c>: the cluster inspection CLI (<c>Proxy.Node pbm …</c>, or <c>scripts/pbm …</c>), shaped after
/// Petabridge.Cmd's palettes and talking to a node's admin API. Exit codes: 0 done, 1 the API refused or
/// could not be reached, 2 bad command line.
/// </summary>
public static class PbmApp
{
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr,
        IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken = default)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        // Not a terminal (a pipe, a file, a test): COLUMNS if set (as `COLUMNS=80 pbm pool api | less`), else wide
        // enough that addresses and tables do not wrap.
        if (console.Profile.Out.IsTerminal is false)
            console.Profile.Width = int.TryParse(environment.GetValueOrDefault("COLUMNS"), out var columns) && columns >= 40 ? columns : 200;
        var json = args.Contains("--json");
        var io = new PbmIo(stdout, stderr, console, environment);
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("pbm");
            config.SetApplicationVersion(Version);
            // Unknown options and extra arguments are mistakes (exit 2), not silently ignored.
            config.UseStrictParsing();
            config.Settings.Console = console;
            config.Settings.Registrar.RegisterInstance(io);
            config.SetExceptionHandler((e, _) =>
            {
                PbmErrors.Write(stderr, json, e.Message);
                return ExitUsage;
            });

            config.AddBranch("cluster", cluster =>
            {
                cluster.SetDescription("Cluster membership and sharding");
                cluster.AddCommand<ClusterShowCommand>("show").WithDescription("Members: address, roles, status, reachability");
                cluster.AddCommand<ClusterMemberCommand>("leave").WithData("leave")
                    .WithDescription("Ask a member to leave gracefully (hands off its shards)").WithExample("cluster", "leave", "127.0.0.1:4054");
                cluster.AddCommand<ClusterMemberCommand>("down").WithData("down")
                    .WithDescription("Mark an unreachable member down");
                cluster.AddCommand<ClusterMemberCommand>("join").WithData("join")
                    .WithDescription("Join the node to the cluster of the node at ADDRESS");
                cluster.AddCommand<ClusterTailCommand>("tail")
                    .WithDescription("Membership and reachability events as they happen, until Ctrl-C").WithExample("cluster", "tail", "--timeout", "30s");
                cluster.AddBranch("sharding", sharding =>
                {
                    sharding.SetDescription("Cluster sharding");
                    sharding.AddCommand<ShardingRegionsCommand>("regions").WithDescription("Shard types started on the node");
                    sharding.AddCommand<RegionStatsCommand>("region-stats").WithDescription("Shards and entities per node of a type")
                        .WithExample("cluster", "sharding", "region-stats", "backend-pool");
                    sharding.AddCommand<ShardStatsCommand>("shard-stats").WithDescription("Every shard of a type with its node and entities");
                });
            });
            config.AddBranch("actor", actor =>
            {
                actor.SetDescription("The node's actors");
                actor.AddCommand<ActorHierarchyCommand>("hierarchy").WithDescription("The actor tree under /user (or PATH), 20 children per actor")
                    .WithExample("actor", "hierarchy", "/user/listener-public", "--depth", "2");
            });
            config.AddBranch("config", cfg =>
            {
                cfg.SetDescription("The cluster's config revisions: check, apply, roll back, see who runs what");
                cfg.AddCommand<ConfigVerifyCommand>("verify").WithDescription("Check a config file as the node would run it; nothing changes")
                    .WithExample("config", "verify", "cluster.hocon");
                cfg.AddCommand<ConfigApplyCommand>("apply").WithDescription("Store a config file as the next revision and apply it on every member")
                    .WithExample("config", "apply", "cluster.hocon");
                cfg.AddCommand<ConfigStatusCommand>("status").WithDescription("Every member's revision, rejections and drift");
                cfg.AddCommand<ConfigShowCommand>("show").WithDescription("A revision's text, secrets redacted (default: the latest)")
                    .WithExample("config", "show", "--revision", "3");
                cfg.AddCommand<ConfigRollbackCommand>("rollback").WithDescription("Apply an earlier revision's text again as the next revision")
                    .WithExample("config", "rollback", "3");
            });
            config.AddBranch("cache", cache =>
            {
                cache.SetDescription("The response cache on every member");
                cache.AddCommand<CacheStatsCommand>("stats").WithDescription("Each route's cache per node and in total: entries, bytes, hits, hit ratio");
                cache.AddCommand<CachePurgeCommand>("purge").WithDescription("Remove stored responses on every member (each one acknowledges)")
                    .WithExample("cache", "purge", "http://shop.example/index.html").WithExample("cache", "purge", "--prefix", "/static/")
                    .WithExample("cache", "purge", "--tag", "product-42");
            });
            config.AddCommand<StatsCommand>("stats")
                .WithDescription("Requests/s, error %, p50/p99 per route and backend over the last seconds, every member added up");
            config.AddCommand<TopCommand>("top").WithDescription("stats, refreshed until Ctrl-C").WithExample("top", "--interval", "1s");
            config.AddCommand<RoutesCommand>("routes").WithDescription("Routes in match order: conditions, pool or split weights, middleware");
            config.AddCommand<PoolsCommand>("pools").WithDescription("Backend pools, policies and usable backends");
            config.AddCommand<PoolCommand>("pool").WithDescription("One pool's backends: health, breaker, drain, weight, load")
                .WithExample("pool", "api");
            config.AddCommand<BackendDrainCommand>("drain").WithData("drain")
                .WithDescription("Stop new requests to a backend on every node (persisted)").WithExample("drain", "api", "127.0.0.1:9001");
            config.AddCommand<BackendDrainCommand>("undrain").WithData("undrain").WithDescription("Undo drain (persisted)");
            config.AddCommand<LimitsCommand>("limits").WithDescription("Rate limits: rate, burst, store, keys, allowed/rejected cluster-wide");
            config.AddCommand<LimitKeyCommand>("limit").WithDescription("One key of a limit: tokens left and lease holders")
                .WithExample("limit", "per-ip", "10.0.0.7");
            config.AddCommand<BackendWeightCommand>("weight").WithDescription("Set a backend's weight on every node (persisted)")
                .WithExample("weight", "api", "127.0.0.1:9001", "5");
        });
        if (args is [] or ["--help"] or ["-h"])
        {
            await app.RunAsync(["--help"], cancellationToken).ConfigureAwait(false);
            // Spectre lists options per command; these apply to every command, before or after it.
            stdout.WriteLine();
            stdout.WriteLine("GLOBAL OPTIONS (any command, before or after it):");
            stdout.WriteLine("    --host <HOST:PORT>    Admin listener of any node (default 127.0.0.1:9110)");
            stdout.WriteLine("    --token <TOKEN>       Admin token (default: PROXY_ADMIN_TOKEN, or PROXY_ADMIN_TOKEN_FILE)");
            stdout.WriteLine("    --json                The answer, and errors on stderr, as JSON (one document; tail and top: one per line)");
            return 0;
        }
        var code = await app.RunAsync(WithHelpForABareGroup(MoveLeadingOptions(args)), cancellationToken).ConfigureAwait(false);
        return code < 0 ? ExitUsage : code;
    }

    /// <summary>The node's version (the assembly's informational version, without a source-revision suffix).</summary>
    private static string Version =>
        (typeof(PbmApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The command groups: named alone (<c>pbm cluster</c>), they print their help with exit 0.</summary>
    private static readonly string[][] Groups = [["cluster"], ["cluster", "sharding"], ["config"], ["actor"]];

    private static string[] WithHelpForABareGroup(string[] args)
    {
        var words = args.TakeWhile(a => !a.StartsWith('-')).ToArray();
        return Groups.Any(g => g.SequenceEqual(words)) ? [.. words, "--help"] : args;
    }

    /// <summary>
    /// pbm users write options first (<c>pbm --host h:p --json cluster show</c>); Spectre.Console.Cli binds
    /// options after the command they belong to, so the leading ones are moved to the end.
    /// </summary>
    public static string[] MoveLeadingOptions(string[] args)
    {
        var leading = new List<string>();
        var i = 0;
        while (i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal) && args[i] is not ("--help" or "--version"))
        {
            var takesValue = args[i] is "--host" or "--token" or "--wait" or "--revision" or "--count" or "--timeout" or "--depth" or "--interval";
            leading.Add(args[i++]);
            if (takesValue && i < args.Length) leading.Add(args[i++]);
        }
        if (leading.Count == 0 || i == args.Length) return args;
        return [.. args[i..], .. leading];
    }
}
