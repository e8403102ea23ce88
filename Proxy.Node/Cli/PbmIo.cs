using Spectre.Console;

namespace Proxy.Node.Cli;

/// <summary>Where pbm writes and what it reads from its environment (tests pass writers and a dictionary).</summary>
/// <param name="Out">Raw standard output: <c>--json</c> documents go here unchanged.</param>
/// <param name="Console">Tables and messages for people (writes to <paramref name="Out"/>).</param>
public sealed record PbmIo(TextWriter Out, TextWriter Error, IAnsiConsole Console, IReadOnlyDictionary<string, string?> Environment);
