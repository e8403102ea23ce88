using Proxy.Shared.Admin;
using Spectre.Console.Cli;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary><c>config apply FILE</c>: checked by the node, stored as the cluster's next revision, applied by every member
/// (each checks it again for itself). Prints each member's answer. Exit 0 every member runs it; 1 problems (nothing
/// stored), a member rejected it, or the wait ended first.</summary>
public sealed class ConfigApplyCommand(PbmIo io) : PbmCommand<ConfigApplySettings>(io)
{
    protected override async Task<int> RunAsync(CommandContext context, ConfigApplySettings settings, AdminClient client,
        CancellationToken cancellationToken)
    {
        var text = ConfigFiles.Read(settings.File);
        var path = $"api/config/apply?source={Escape("pbm config apply " + Path.GetFileName(settings.File))}" +
                   (settings.Wait is { } wait ? "&wait=" + Escape(wait) : "");
        var (status, json) = await client.PostTextAsync(path, text, [422], cancellationToken).ConfigureAwait(false);
        if (settings.Json) Io.Out.WriteLine(json);
        if (status == 422)
        {
            if (!settings.Json) ConfigFiles.PrintProblems(Io, this, settings.File, client.Read<ConfigCheckView>(json, "api/config/apply"));
            return 1;
        }
        var view = client.Read<ConfigApplyView>(json, "api/config/apply");
        return settings.Json ? ConfigFiles.ExitCode(view) : ConfigFiles.PrintApplied(Io, this, view);
    }
}
