using System.Collections;
using Proxy.Node.Cli;
using Proxy.Node.Demo;
using Proxy.Node.Hosting;
using Proxy.Shared.Configuration;

namespace Proxy.Node;

/// <summary>Entry point: <c>Proxy.Node [--config FILE]</c> runs a node; <c>Proxy.Node pbm …</c> is the admin CLI;
/// <c>Proxy.Node demo-backend --listen HOST:PORT</c> a demo backend for local clusters; <c>Proxy.Node hash-password
/// NAME</c> a Basic users-file line. Exit codes: 0 stopped cleanly, 1 failed to start, 2 invalid config.</summary>
public static class Program
{
    public const int ExitInvalidConfig = 2;
    public const int ExitStartFailed = 1;
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> Main(string[] args)
    {
        if (args is ["pbm", .. var pbmArgs])
        {
            // Ctrl-C ends a command that runs until then (top, cluster tail) cleanly, the terminal restored.
            using var interrupted = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = !interrupted.IsCancellationRequested; // a second Ctrl-C ends the process at once
                interrupted.Cancel();
            };
            return await PbmApp.RunAsync(pbmArgs, Console.Out, Console.Error, ReadEnvironment(), interrupted.Token);
        }
        if (args is ["fuzz", var fuzzTarget])
            return Fuzzing.FuzzRunner.Run(fuzzTarget, Console.Error);
        if (args is ["demo-backend", .. var demoArgs])
            return await DemoBackendProgram.RunAsync(demoArgs);
        if (args is ["hash-password", .. var hashArgs])
            return HashPasswordCommand.Run(hashArgs, Console.In, Console.Out, Console.Error);

        // Socket completions run on the I/O threads, where the connection dispatcher (IoInlineExecutor) runs the
        // connection actors: fewer thread hand-offs per request (docs/BENCHMARKS.md). Read once by the runtime
        // when the first socket is used, so it must be set before anything else; an explicit value wins.
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");

        var configPath = "cluster.hocon";
        var check = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--check" or "-t":
                    check = true;
                    break;
                case "--help" or "-h":
                    Console.Error.WriteLine("usage: Proxy.Node [--config FILE] [--check]   (default: cluster.hocon; --check: validate, read files, try every address, then exit 0 or 2)\n       Proxy.Node pbm [--host HOST:PORT] [--token TOKEN] [--json] COMMAND...   (pbm --help)\n       Proxy.Node demo-backend --listen HOST:PORT [--name NAME]\n       Proxy.Node hash-password NAME   (password on stdin; prints an auth.basic users-file line)");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}' (usage: Proxy.Node [--config FILE] [--check])");
                    return ExitInvalidConfig;
            }
        }

        var environment = ReadEnvironment();
        if (check) return NodeCheck.Run(configPath, environment, Console.Out, Console.Error);
        var loaded = ProxyConfigLoader.Load(configPath, environment);
        if (!loaded.IsValid)
        {
            Console.Error.WriteLine($"invalid configuration ({configPath}):");
            foreach (var problem in loaded.Problems) Console.Error.WriteLine("  " + problem);
            return ExitInvalidConfig;
        }

        var optionProblems = new List<string>();
        var options = NodeOptions.FromEnvironment(environment, optionProblems);
        if (optionProblems.Count > 0)
        {
            Console.Error.WriteLine("invalid node environment:");
            foreach (var problem in optionProblems) Console.Error.WriteLine("  " + problem);
            return ExitInvalidConfig;
        }

        NodeLogging.RouteConsoleOutToStderr(loaded.Settings!.LogFormat);
        ProxyNode node;
        try
        {
            node = await ProxyNode.StartAsync(loaded.Hocon!, loaded.Settings!, options with { ConfigPath = configPath });
        }
        catch (ConfigFileException e)
        {
            Console.Error.WriteLine($"invalid configuration ({configPath}):");
            Console.Error.WriteLine("  " + e.Message);
            return ExitInvalidConfig;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"failed to start: {e.Message}");
            return ExitStartFailed;
        }
        await node.Stopped;
        await node.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        return 0;
    }

    private static Dictionary<string, string?> ReadEnvironment() => Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
        .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
}
