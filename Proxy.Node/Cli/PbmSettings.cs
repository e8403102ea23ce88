using System.ComponentModel;
using System.Globalization;
using Proxy.Shared.Admin;
using Proxy.Shared.Http;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli;

/// <summary>Options every pbm command takes (they may also come before the command: <c>pbm --json cluster show</c>).</summary>
public class PbmSettings : CommandSettings
{
    [CommandOption("--host <HOST:PORT>")]
    [Description("Admin listener of any node (default 127.0.0.1:9110)")]
    public string? Host { get; set; }

    [CommandOption("--token <TOKEN>")]
    [Description("Admin token (default: PROXY_ADMIN_TOKEN, else the file named by PROXY_ADMIN_TOKEN_FILE)")]
    public string? Token { get; set; }

    [CommandOption("--json")]
    [Description("Print the answer as JSON instead of a table (one document; tail and top: one per line)")]
    public bool Json { get; set; }

    /// <summary>Arguments are checked before any request (exit 2), as docs/OPERATIONS.md says.</summary>
    public override ValidationResult Validate() =>
        Host is not null && !HostSyntax.IsValidAuthority(Host, requirePort: true)
            ? ValidationResult.Error($"--host: expected HOST:PORT of an admin listener, got '{Host}'")
            : ValidationResult.Success();
}

public sealed class MemberAddressSettings : PbmSettings
{
    [CommandArgument(0, "<ADDRESS>")]
    [Description("akka.tcp://proxy@host:port, or host:port")]
    public string Address { get; set; } = "";

    public override ValidationResult Validate()
    {
        var hostPort = Address.Contains("://", StringComparison.Ordinal) ? Address[(Address.LastIndexOf('@') + 1)..] : Address;
        return HostSyntax.IsValidAuthority(hostPort, requirePort: true)
            ? base.Validate()
            : ValidationResult.Error($"ADDRESS: expected akka.tcp://proxy@host:port or host:port, got '{Address}'");
    }
}

public sealed class ShardTypeSettings : PbmSettings
{
    [CommandArgument(0, "<TYPE>")]
    [Description("Shard type name, e.g. backend-pool (see cluster sharding regions)")]
    public string Type { get; set; } = "";
}

public sealed class PoolIdSettings : PbmSettings
{
    [CommandArgument(0, "<POOL>")]
    public string Pool { get; set; } = "";
}

public class BackendSettings : PbmSettings
{
    [CommandArgument(0, "<POOL>")]
    public string Pool { get; set; } = "";

    [CommandArgument(1, "<BACKEND>")]
    [Description("The backend's host:port as the pool lists it")]
    public string Backend { get; set; } = "";

    public override ValidationResult Validate() =>
        HostSyntax.IsValidAuthority(Backend, requirePort: true)
            ? base.Validate()
            : ValidationResult.Error($"BACKEND: expected host:port, got '{Backend}'");
}

public sealed class WeightSettings : BackendSettings
{
    [CommandArgument(2, "<WEIGHT>")]
    [Description("0 to 1000 (0 keeps it out of weighted picks)")]
    public string Weight { get; set; } = "";

    public override ValidationResult Validate() =>
        int.TryParse(Weight, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight <= 1000
            ? base.Validate()
            : ValidationResult.Error($"WEIGHT: expected a whole number from 0 to 1000, got '{Weight}'");
}

public sealed class LimitKeySettings : PbmSettings
{
    [CommandArgument(0, "<LIMIT>")]
    public string Limit { get; set; } = "";

    [CommandArgument(1, "<KEY>")]
    [Description("The key value (e.g. a client address; with per-route: ROUTE|VALUE)")]
    public string Key { get; set; } = "";
}

/// <summary><c>config verify|apply FILE</c>.</summary>
public class ConfigFileSettings : PbmSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("The config file (HOCON) the whole cluster should run")]
    public string File { get; set; } = "";
}

/// <summary>How long apply and rollback wait for every member's answer.</summary>
public sealed class ConfigApplySettings : ConfigFileSettings
{
    [CommandOption("--wait <DURATION>")]
    [Description("How long to wait for every member's answer: 500ms, 5s … 60s (default 10s; 0s: answer once stored)")]
    public string? Wait { get; set; }

    public override ValidationResult Validate() => ConfigWait.Check(Wait) ?? base.Validate();
}

public sealed class ConfigShowSettings : PbmSettings
{
    [CommandOption("--revision <N>")]
    [Description("The revision to print (default: the latest)")]
    public long? Revision { get; set; }

    public override ValidationResult Validate() =>
        Revision is < 1 ? ValidationResult.Error($"--revision: expected a revision number (1 or more), got {Revision}") : base.Validate();
}

public sealed class ConfigRollbackSettings : PbmSettings
{
    [CommandArgument(0, "<REVISION>")]
    [Description("The revision whose text becomes the next revision")]
    public long Revision { get; set; }

    [CommandOption("--wait <DURATION>")]
    [Description("How long to wait for every member's answer (default 10s)")]
    public string? Wait { get; set; }

    public override ValidationResult Validate() =>
        Revision < 1 ? ValidationResult.Error($"REVISION: expected a revision number (1 or more), got {Revision}")
        : ConfigWait.Check(Wait) ?? base.Validate();
}

internal static class ConfigWait
{
    /// <summary>Checked here (exit 2) with the admin API's own rule: whole milliseconds or seconds, at most 60 s.</summary>
    public static ValidationResult? Check(string? wait) =>
        wait is null || ShortDuration.TryParse(wait, TimeSpan.Zero, TimeSpan.FromSeconds(60), out _)
            ? null
            : ValidationResult.Error($"--wait: expected a duration such as 500ms or 5s (at most 60s), got '{wait}'");
}

public sealed class TopSettings : PbmSettings
{
    [CommandOption("--interval <DURATION>")]
    [Description("Time between refreshes: 500ms, 2s … (default 2s)")]
    public string? Interval { get; set; }

    [CommandOption("--count <N>")]
    [Description("Stop after N refreshes (default: until Ctrl-C)")]
    public int? Count { get; set; }

    public override ValidationResult Validate() =>
        Interval is not null && !ShortDuration.TryParse(Interval, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), out _)
            ? ValidationResult.Error($"--interval: expected a duration from 200ms to 60s (e.g. 2s), got '{Interval}'")
            : Count is < 1 ? ValidationResult.Error($"--count: expected 1 or more, got {Count}")
            : base.Validate();

    /// <summary>The refresh interval (2 s when not given; the option was validated).</summary>
    public static TimeSpan IntervalOf(string? text) =>
        ShortDuration.TryParse(text, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60), out var value) ? value : TimeSpan.FromSeconds(2);
}

/// <summary><c>cache purge [URL] [--prefix P] [--tag T]</c>: exactly one of them.</summary>
public sealed class CachePurgeSettings : PbmSettings
{
    [CommandArgument(0, "[URL]")]
    [Description("One URL's stored responses (http://host/path?query, or /path?query for every host)")]
    public string? Url { get; set; }

    [CommandOption("--prefix <PATH>")]
    [Description("Every stored response whose path starts with PATH (e.g. /static/)")]
    public string? Prefix { get; set; }

    [CommandOption("--tag <TAG>")]
    [Description("Every stored response tagged TAG (Surrogate-Key or Cache-Tag response field)")]
    public string? Tag { get; set; }

    public override ValidationResult Validate()
    {
        var given = (Url is null ? 0 : 1) + (Prefix is null ? 0 : 1) + (Tag is null ? 0 : 1);
        if (given != 1) return ValidationResult.Error("give exactly one of URL, --prefix PATH or --tag TAG");
        if (Url is not null && !Url.StartsWith('/') && !(Uri.TryCreate(Url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"))
            return ValidationResult.Error($"URL: expected http://host/path or /path, got '{Url}'");
        if (Prefix is not null && !Prefix.StartsWith('/')) return ValidationResult.Error($"--prefix: expected a path such as /static/, got '{Prefix}'");
        if (Tag is { Length: 0 }) return ValidationResult.Error("--tag: empty");
        return base.Validate();
    }
}
