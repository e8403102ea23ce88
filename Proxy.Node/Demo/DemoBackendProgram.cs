using System.Runtime.InteropServices;
using Proxy.Shared.Configuration;

namespace Proxy.Node.Demo;

/// <summary>
/// <c>Proxy.Node demo-backend --listen HOST:PORT [--name NAME]</c>: a standalone demo backend for local clusters
/// (scripts/cluster-up.sh, docker-compose.cluster.yml). Runs until SIGTERM/SIGINT; exit 0, 1 when the address
/// cannot be bound, 2 for bad arguments.
/// </summary>
public static class DemoBackendProgram
{
    private const string Usage = "usage: Proxy.Node demo-backend --listen HOST:PORT [--name NAME]";

    public static async Task<int> RunAsync(string[] args)
    {
        string? listen = null;
        var name = "demo";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    listen = args[++i];
                    break;
                case "--name" when i + 1 < args.Length && args[i + 1].Length > 0:
                    name = args[++i];
                    break;
                case "--help" or "-h":
                    Console.Error.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}' ({Usage})");
                    return Program.ExitInvalidConfig;
            }
        }
        if (listen is null)
        {
            Console.Error.WriteLine($"--listen is required ({Usage})");
            return Program.ExitInvalidConfig;
        }
        if (!HostPort.TryParse(listen, 1, out _, out var error))
        {
            Console.Error.WriteLine($"--listen: {error}");
            return Program.ExitInvalidConfig;
        }

        DemoBackend backend;
        try
        {
            backend = DemoBackend.Start(EndpointParser.Parse(listen), name);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"demo backend {name}: cannot listen on {listen}: {e.Message}");
            return Program.ExitStartFailed;
        }

        var stopped = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
        Console.Error.WriteLine($"demo backend {name} listening on {backend.EndPoint}");
        await stopped.Task.ConfigureAwait(false);
        backend.Dispose();
        return 0;
    }
}
