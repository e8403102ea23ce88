namespace Proxy.Node.Fuzzing;

/// <summary><c>Proxy.Node fuzz TARGET</c>: one of <see cref="FuzzTargets.All"/> under afl++ through SharpFuzz's
/// fork server (scripts/fuzz.sh instruments Proxy.Shared.dll first). Without afl it reads one input from stdin.</summary>
public static class FuzzRunner
{
    public static int Run(string target, TextWriter error)
    {
        if (!FuzzTargets.All.TryGetValue(target, out var run))
        {
            error.WriteLine($"fuzz: unknown target '{target}' (valid: {string.Join(", ", FuzzTargets.All.Keys)})");
            return 2;
        }
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            run(buffer.ToArray());
        });
        return 0;
    }
}
