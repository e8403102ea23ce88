using System.ComponentModel;
using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli;

/// <summary><c>cluster tail [--count N] [--timeout DURATION]</c>: without either, it runs until Ctrl-C.</summary>
public sealed class ClusterTailSettings : PbmSettings
{
    [CommandOption("--count <N>")]
    [Description("Stop after N lines (the first ones are the members as they are now)")]
    public int? Count { get; set; }

    [CommandOption("--timeout <DURATION>")]
    [Description("Stop after this long: 500ms, 30s, 3600s (default: until Ctrl-C)")]
    public string? Timeout { get; set; }

    /// <summary>How long to follow the events; null: until Ctrl-C (or <see cref="Count"/>).</summary>
    public TimeSpan? Duration => ShortDuration.TryParse(Timeout, TimeSpan.FromMilliseconds(1), TimeSpan.MaxValue, out var value) ? value : null;

    public override ValidationResult Validate() =>
        Count is < 1 ? ValidationResult.Error($"--count: expected 1 or more, got {Count}")
        : Timeout is not null && Duration is null
            ? ValidationResult.Error($"--timeout: expected a duration such as 30s or 500ms (more than 0), got '{Timeout}'")
        : base.Validate();
}
