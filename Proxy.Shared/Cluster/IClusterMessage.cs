namespace Proxy.Shared.Cluster;

/// <summary>
/// Marks a message or persisted event that may leave the node (remoting, sharding, the journal). Every such
/// type is serialized by the proxy's JSON serializer under a stable string manifest, never by the default
/// Newtonsoft serializer; a test round-trips one instance of every implementing type.
/// </summary>
public interface IClusterMessage;
