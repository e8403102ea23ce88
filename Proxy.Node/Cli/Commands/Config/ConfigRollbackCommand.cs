using System.Globalization;
using Proxy.Shared.Admin;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary><c>config rollback N</c>: revision N's text, checked again, stored as the next revision and applied by every
/// member. Exit codes as <c>config apply</c>.</summary>
public sealed class ConfigRollbackCommand(PbmIo io) : PbmCommand<ConfigRollbackSettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ConfigRollbackSettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var path = $"api/config/rollback?revision={settings.Revision.ToString(CultureInfo.InvariantCulture)}&source={Escape("pbm config rollback")}" +
                   (settings.Wait is { } wait ? "&wait=" + Escape(wait) : "");
        var (status, json) = await client.PostTextAsync(path, "", [422], cancellationToken).ConfigureAwait(false);
        if (settings.Json) Io.Out.WriteLine(json);
        if (status == 422)
        {
            if (!settings.Json)
                ConfigFiles.PrintProblems(Io, this, $"revision {settings.Revision}", client.Read<ConfigCheckView>(json, "api/config/rollback"));
            return 1;
        }
        var view = client.Read<ConfigApplyView>(json, "api/config/rollback");
        return settings.Json ? ConfigFiles.ExitCode(view) : ConfigFiles.PrintApplied(Io, this, view);
    }
}
