using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Proxy.Shared.Cluster;

namespace Proxy.Actors.Serialization;

/// <summary>
/// Serializes every <see cref="IClusterMessage"/> (remote messages, sharding envelopes' payloads, journal
/// events) as System.Text.Json UTF-8 under the stable string manifests of <see cref="ClusterMessageManifests"/>.
/// Bound in HOCON by <see cref="ProxySerializationHocon"/>.
/// </summary>
public sealed class ProxyJsonSerializer : SerializerWithStringManifest
{
    /// <summary>Written with every message and journal row: never change it.</summary>
    public const int Id = 7301;
    public const string Name = "proxy-json";

    /// <summary>
    /// camelCase names; enums by name (kebab-case, so renumbering an enum cannot change stored events); computed
    /// get-only properties (e.g. <c>BackendState.Usable</c>) are not written; a missing constructor argument or a
    /// null for a non-nullable one is an error rather than a silently defaulted field (so a parameter added to
    /// a persisted event later needs a default value, or old journal rows no longer read); unknown fields are
    /// skipped, so a node may receive a message from a newer node that added an optional field.
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        IgnoreReadOnlyProperties = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public ProxyJsonSerializer(ExtendedActorSystem system) : base(system)
    {
        ClusterMessageManifests.EnsureComplete();
    }

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        ClusterMessageManifests.TryGetManifest(o.GetType(), out var manifest)
            ? manifest
            : throw Unregistered(o.GetType());

    public override byte[] ToBinary(object obj)
    {
        if (!ClusterMessageManifests.TryGetManifest(obj.GetType(), out _)) throw Unregistered(obj.GetType());
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), JsonOptions);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!ClusterMessageManifests.TryGetType(manifest, out var type))
            throw new SerializationException(
                $"{Name} (serializer {Id}) has no type for manifest '{manifest}': the message comes from a node or " +
                "journal that knows a type this node does not (see ClusterMessageManifests)");
        try
        {
            return JsonSerializer.Deserialize(bytes, type, JsonOptions)
                   ?? throw new SerializationException($"{Name}: manifest '{manifest}' holds a JSON null");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"{Name}: cannot read a {type.Name} (manifest '{manifest}'): {e.Message}", e);
        }
    }

    private static SerializationException Unregistered(Type type) =>
        new($"{Name}: {type.FullName} has no manifest; add it to ClusterMessageManifests");
}
