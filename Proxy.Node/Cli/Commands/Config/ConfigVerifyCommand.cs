using Proxy.Shared.Admin;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary><c>config verify FILE</c>: the node checks the file as it would run it (its environment and files) and
/// answers OK or every problem; nothing changes. Exit 0 OK, 1 problems.</summary>
public sealed class ConfigVerifyCommand(PbmIo io) : PbmCommand<ConfigFileSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ConfigFileSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var text = ConfigFiles.Read(settings.File);
        var (status, json) = await client.PostTextAsync("api/config/verify", text, [422], cancellationToken).ConfigureAwait(false);
        var check = client.Read<ConfigCheckView>(json, "api/config/verify");
        if (settings.Json) Io.Out.WriteLine(json);
        else if (check.Ok) Io.Console.MarkupLineInterpolated($"{settings.File}: OK (nothing changed)");
        else ConfigFiles.PrintProblems(Io, this, settings.File, check);
        return status == 200 ? 0 : 1;
    }
}
