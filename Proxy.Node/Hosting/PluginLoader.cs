using System.Reflection;
using System.Runtime.Loader;
using Proxy.Shared.Configuration;
using Proxy.Shared.Pipeline;

namespace Proxy.Node.Hosting;

/// <summary>
/// Loads <c>proxy.plugins</c> at start: each assembly in a load context of its own (its dependencies resolved from its
/// directory by its .deps.json, so two plugins may use different versions of a library), except the assemblies the
/// node shares with it — Proxy.Shared, where the contract lives, and what the node has loaded (the framework, Akka) —
/// which resolve to the node's, so a plugin's <see cref="IExchangeFilter"/> is the node's type. A plugin that cannot be
/// loaded or created stops the start with its config path (exit 2).
/// </summary>
public static class PluginLoader
{
    public static IReadOnlyDictionary<string, IExchangeFilter> Load(IReadOnlyList<PluginSettings> plugins)
    {
        var filters = new Dictionary<string, IExchangeFilter>(StringComparer.Ordinal);
        for (var i = 0; i < plugins.Count; i++)
        {
            var plugin = plugins[i];
            var path = $"proxy.plugins[{i}].assembly";
            var file = Path.GetFullPath(plugin.Assembly);
            if (!File.Exists(file)) throw new ConfigFileException(path, $"{plugin.Assembly}: no such file");
            IProxyPlugin entry;
            try
            {
                var assembly = new PluginLoadContext(file, plugin.Name).LoadFromAssemblyPath(file);
                var types = assembly.GetExportedTypes()
                    .Where(t => typeof(IProxyPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
                if (types.Count != 1)
                    throw new ConfigFileException(path, $"{plugin.Assembly}: expected one public class implementing IProxyPlugin, found {types.Count}");
                entry = (IProxyPlugin)Activator.CreateInstance(types[0])!;
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or ReflectionTypeLoadException or MissingMethodException
                                          or TargetInvocationException or InvalidCastException)
            {
                throw new ConfigFileException(path, $"{plugin.Assembly}: cannot load the plugin: {(e.InnerException ?? e).Message}", e);
            }
            IExchangeFilter filter;
            try
            {
                filter = entry.CreateFilter(new PluginContext(plugin.Name, plugin.Settings));
            }
            catch (Exception e)
            {
                // The plugin's own refusal of its settings is a config mistake too.
                throw new ConfigFileException($"proxy.plugins[{i}].settings", $"plugin '{plugin.Name}' refused its settings: {e.Message}", e);
            }
            if (filter is not (IRequestFilter or IUpstreamRequestFilter or IResponseHeadFilter))
                throw new ConfigFileException(path, $"{plugin.Assembly}: the filter of '{plugin.Name}' implements no phase (IRequestFilter, IUpstreamRequestFilter, IResponseHeadFilter)");
            filters[plugin.Name] = filter;
        }
        return filters;
    }

    private sealed class PluginLoadContext(string file, string name) : AssemblyLoadContext("plugin:" + name)
    {
        private readonly AssemblyDependencyResolver _resolver = new(file);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Shared with the node: the contract and anything the node already runs (one type identity).
            if (assemblyName.Name == typeof(IProxyPlugin).Assembly.GetName().Name ||
                Default.Assemblies.Any(a => a.GetName().Name == assemblyName.Name))
                return null;
            return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
