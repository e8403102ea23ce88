using Akka.Configuration;
using Proxy.Shared.Cluster;

namespace Proxy.Actors.Serialization;

/// <summary>Binds <see cref="IClusterMessage"/> (and so every message, envelope payload and event that
/// implements it) to <see cref="ProxyJsonSerializer"/> instead of Akka's default serializer.</summary>
public static class ProxySerializationHocon
{
    public static string Text { get; } = $$"""
        akka.actor {
          serializers {
            {{ProxyJsonSerializer.Name}} = "{{TypeName(typeof(ProxyJsonSerializer))}}"
          }
          serialization-bindings {
            "{{TypeName(typeof(IClusterMessage))}}" = {{ProxyJsonSerializer.Name}}
          }
          serialization-identifiers {
            "{{TypeName(typeof(ProxyJsonSerializer))}}" = {{ProxyJsonSerializer.Id}}
          }
        }
        """;

    public static Config Config { get; } = ConfigurationFactory.ParseString(Text);

    /// <summary>"Namespace.Type, Assembly": the form Akka resolves, without version or key.</summary>
    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
