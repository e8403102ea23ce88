using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Proxy.Shared.Configuration;

/// <summary>Reads the <c>proxy { … }</c> section of a parsed HOCON config into validated
/// <see cref="ProxySettings"/>, reporting every problem found rather than stopping at the first.</summary>
public static class ProxyConfigReader
{
    public static ConfigReadResult Read(Config root)
    {
        var problems = new List<ConfigProblem>();
        HoconValue? proxy;
        try
        {
            proxy = root.IsEmpty || !root.HasPath("proxy") ? null : root.GetValue("proxy");
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or InvalidOperationException)
        {
            problems.Add(new("proxy", $"cannot read: {ex.Message}"));
            return new ConfigReadResult(null, problems);
        }
        if (proxy is null || HoconValues.IsNull(proxy) || HoconValues.IsMissing(proxy))
        {
            problems.Add(new("proxy", "missing: the config has no proxy { … } section"));
            return new ConfigReadResult(null, problems);
        }

        var reader = HoconObjectReader.For(proxy, "proxy", problems, "proxy { listeners = [ … ], pools { … }, routes = [ … ] }");
        if (reader is null) return new ConfigReadResult(null, problems);

        ProxySettings settings;
        try
        {
            settings = new ProxySettingsBinder(problems).Bind(reader);
        }
        catch (Exception ex) when (ex is FormatException or ConfigurationException or InvalidOperationException or ArgumentException)
        {
            // The binder checks shapes before reading; this is a last guard against HOCON values Akka cannot
            // render (e.g. unresolved substitutions), so a bad file never crashes the node.
            problems.Add(new("proxy", $"cannot read: {ex.Message}"));
            return new ConfigReadResult(null, problems);
        }

        var bindingProblems = problems.ToList();
        foreach (var problem in ProxySettingsValidator.Validate(settings))
        {
            // A value the binder could not read was replaced by a default or placeholder: complaining about
            // that stand-in again would only add noise.
            if (!bindingProblems.Any(b => b.Covers(problem.Path)))
                problems.Add(problem);
        }
        return problems.Count == 0 ? new ConfigReadResult(settings, []) : new ConfigReadResult(null, problems);
    }
}
