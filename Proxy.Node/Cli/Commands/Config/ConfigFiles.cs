using Proxy.Shared.Admin;
using Spectre.Console;

namespace Proxy.Node.Cli.Commands.Config;

/// <summary>What the config commands share: reading the file, printing problems and the members' answers.</summary>
internal static class ConfigFiles
{
    /// <summary>The file's text; an unreadable file is the caller's mistake, reported before any request.</summary>
    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new AdminApiException($"cannot read {path}: {e.Message}");
        }
    }

    public static void PrintProblems<T>(PbmIo io, PbmCommand<T> command, string what, ConfigCheckView check) where T : PbmSettings
    {
        io.Console.MarkupLineInterpolated($"{what}: {check.Problems.Count} problem(s); nothing was stored or changed");
        var table = command.NewTable("Path", "Problem");
        foreach (var p in check.Problems) table.AddRow(Markup.Escape(p.Path), Markup.Escape(p.Message));
        io.Console.Write(table);
    }

    /// <summary>The members' answers to a revision; exit 0 when every member runs it, else 1.</summary>
    public static int PrintApplied<T>(PbmIo io, PbmCommand<T> command, ConfigApplyView view) where T : PbmSettings
    {
        var current = view.Members.Count(m => m.State == "current");
        io.Console.MarkupLineInterpolated(
            $"revision {view.Revision} stored; {current} of {view.Members.Count} member(s) run it{(view.Complete ? "" : " (the wait ended before every member answered)")}");
        PrintMembers(io, command, view.Members);
        return ExitCode(view);
    }

    /// <summary>The exit code of an apply or rollback answer printed as JSON: as <see cref="PrintApplied{T}"/>.</summary>
    public static int ExitCode(ConfigApplyView view) => view.Complete && view.Members.All(m => m.State == "current") ? 0 : 1;

    public static void PrintMembers<T>(PbmIo io, PbmCommand<T> command, IReadOnlyList<MemberRevisionView> members) where T : PbmSettings
    {
        var table = command.NewTable("Member", "Running", "State", "Problems");
        foreach (var m in members)
            table.AddRow(Markup.Escape(m.Node), m.Running == 0 ? "file" : m.Running.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.State, Markup.Escape(string.Join("; ", m.Problems.Select(p => p.ToString()))));
        io.Console.Write(table);
    }
}
