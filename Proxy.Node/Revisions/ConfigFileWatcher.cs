using System.Runtime.InteropServices;
using Akka.Event;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.Node.Revisions;

/// <summary>
/// O6 for a node run from a file: <c>SIGHUP</c>, or a change to the <c>--config</c> file, applies the file as the
/// cluster's next revision (checked first; a file with problems changes nothing and the problems are logged). The file
/// is read every <see cref="Interval"/> and compared by content, not by time stamps: an editor's save, a copy over it and
/// a symlink swap (as Kubernetes updates a mounted ConfigMap) all count, and a touch does not. The store keeps one
/// revision per distinct text, so nodes that see the same file change at once make one revision.
/// </summary>
public sealed class ConfigFileWatcher : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly Func<string, string, Task> _apply;
    private readonly Action<string> _warn;
    private readonly Timer _timer;
    private readonly PosixSignalRegistration? _hangup;
    private readonly SemaphoreSlim _one = new(1, 1);
    private byte[] _applied;

    /// <param name="apply">Checks and applies the text as a revision, from the given source; logs what came of it.</param>
    /// <param name="handleSignals">Also take <c>SIGHUP</c> (off for in-process test nodes, which share the process).</param>
    public ConfigFileWatcher(string path, Func<string, string, Task> apply, Action<string> warn, bool handleSignals)
    {
        _path = path;
        _apply = apply;
        _warn = warn;
        _applied = Hash(TryRead() ?? "");
        _timer = new Timer(_ => _ = CheckAsync(force: false), null, Interval, Interval);
        if (handleSignals && !OperatingSystem.IsWindows())
        {
            if (!InheritedSighup.Restore())
                warn("SIGHUP is ignored by this process (started under nohup?) and could not be taken back: apply the file with " +
                     "pbm config apply or by changing it");
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP's default ends the process
                _ = CheckAsync(force: true);
            });
        }
    }

    /// <summary>Applies the file now if it changed (or, with <paramref name="force"/>, whatever it holds).</summary>
    public async Task CheckAsync(bool force)
    {
        if (!await _one.WaitAsync(0).ConfigureAwait(false)) return;
        try
        {
            var text = TryRead();
            if (text is null) return;
            var hash = Hash(text);
            if (!force && hash.AsSpan().SequenceEqual(_applied)) return;
            _applied = hash;
            await _apply(text, force ? $"SIGHUP: {_path}" : $"file changed: {_path}").ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _warn($"Config file {_path}: not applied: {e.Message}");
        }
        finally
        {
            _one.Release();
        }
    }

    private string? TryRead()
    {
        try
        {
            return File.ReadAllText(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Mid-swap, or removed for a moment: the next check reads it again.
            return null;
        }
    }

    /// <summary>Watches <paramref name="path"/> and applies it through the admin API's config queries, logging the outcome.</summary>
    public static ConfigFileWatcher Start(string path, Func<Proxy.Actors.Admin.ConfigAdminQueries?> config, Akka.Event.ILoggingAdapter log,
        bool handleSignals) =>
        new(path, async (text, source) =>
        {
            if (config() is not { } queries) return;
            var result = await queries.ApplyAsync(text, source, TimeSpan.Zero).ConfigureAwait(false);
            switch (result.Body)
            {
                case Proxy.Shared.Admin.ConfigApplyView applied:
                    log.Info("{0}: stored as config revision {1}; every member applies it", source, applied.Revision);
                    break;
                case Proxy.Shared.Admin.ConfigCheckView check:
                    log.Warning("{0}: not applied, the running revision stays: {1}", source, string.Join("; ", check.Problems));
                    break;
                case Proxy.Shared.Admin.ErrorView error:
                    log.Warning("{0}: not applied: {1}", source, error.Error);
                    break;
            }
        }, message => log.Warning("{0}", message), handleSignals);

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        _timer.Dispose();
        _hangup?.Dispose();
    }
}
