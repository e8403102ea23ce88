using System.ComponentModel;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli;

/// <summary><c>actor hierarchy [PATH] [--depth N]</c>. PATH is checked by the node (its message comes back, exit 1);
/// the depth here, before any request (exit 2).</summary>
public sealed class ActorHierarchySettings : PbmSettings
{
    [CommandArgument(0, "[PATH]")]
    [Description("An actor path under /user or /system, e.g. /user/listener-public (default /user)")]
    public string? Path { get; set; }

    [CommandOption("--depth <N>")]
    [Description("Levels below PATH to list, 1 to 8 (default 4)")]
    public int? Depth { get; set; }

    public override ValidationResult Validate() =>
        Depth is < 1 or > ActorTreeLimits.MaxDepth
            ? ValidationResult.Error($"--depth: expected a whole number from 1 to {ActorTreeLimits.MaxDepth}, got {Depth}")
            : base.Validate();
}
