// What watching an idle pooled upstream connection costs per reuse, two ways, on one loopback connection:
//   poll  - one non-blocking poll when the connection is rented (what UpstreamConnectionPool does);
//   read  - a zero-byte read left pending while the connection rests (nginx's and Go's way), which completes
//           when the next response arrives, beside the exchange's own read.
// Each iteration models one reuse: return → rent → request → response byte read. Prints µs of wall time and
// of process CPU per reuse for each way, over alternating rounds.
//   dotnet run scripts/idle-watch-cost.cs [-- ITERATIONS ROUNDS]
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

var iterations = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen(1);
using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
await upstream.ConnectAsync(listener.LocalEndPoint!);
using var backend = await listener.AcceptAsync();
backend.NoDelay = true;

var response = new byte[1];
var buffer = new byte[16 * 1024];

async Task<(double Wall, double Cpu)> Run(bool pendingRead)
{
    var process = Process.GetCurrentProcess();
    var cpu = process.TotalProcessorTime;
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < iterations; i++)
    {
        Task<int>? watchRead = null;
        if (pendingRead) watchRead = upstream.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).AsTask();
        else if (upstream.Poll(0, SelectMode.SelectRead)) throw new InvalidOperationException("readable while idle");
        var read = upstream.ReceiveAsync(buffer, SocketFlags.None);
        backend.Send(response);
        if (await read != 1) throw new InvalidOperationException("short read");
        if (watchRead is not null) await watchRead;
    }
    watch.Stop();
    process.Refresh();
    return (watch.Elapsed.TotalMicroseconds / iterations,
        (process.TotalProcessorTime - cpu).TotalMicroseconds / iterations);
}

await Run(false);
await Run(true);
Console.WriteLine($"{iterations} reuses per round; µs per reuse (wall / process CPU)");
for (var r = 1; r <= rounds; r++)
{
    var poll = await Run(false);
    var read = await Run(true);
    Console.WriteLine($"round {r}: poll {poll.Wall:0.00} / {poll.Cpu:0.00}   pending read {read.Wall:0.00} / {read.Cpu:0.00}");
}
