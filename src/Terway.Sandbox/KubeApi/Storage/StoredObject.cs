using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Storage;

/// <summary>
/// One stored object: its serialized JSON (never mutated once stored) plus the few fields
/// that lists, selectors and the garbage collector need without parsing it again.
/// </summary>
internal sealed class StoredObject
{
    public StoredObject(string ns, string name, long resourceVersion, byte[] utf8, string uid,
        IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> fields, IReadOnlyList<string> ownerUids)
    {
        Namespace = ns;
        Name = name;
        ResourceVersion = resourceVersion;
        Utf8 = utf8;
        Uid = uid;
        Labels = labels;
        Fields = fields;
        OwnerUids = ownerUids;
    }

    public string Namespace { get; }
    public string Name { get; }
    public long ResourceVersion { get; }
    public byte[] Utf8 { get; }
    public string Uid { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public IReadOnlyDictionary<string, string> Fields { get; }
    public IReadOnlyList<string> OwnerUids { get; }

    public string Key => Namespace.Length == 0 ? Name : Namespace + "/" + Name;

    /// <summary>A fresh mutable copy of the object.</summary>
    public JsonObject Parse() => JsonUtil.ParseObject(Utf8);

    public static string MakeKey(string ns, string name) => ns.Length == 0 ? name : ns + "/" + name;
}

/// <summary>Watch event types as they appear on the wire.</summary>
internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change in the cluster's history, kept in the event window for watches and snapshots.</summary>
internal sealed record StoreEvent(long ResourceVersion, string StorageKey, WatchEventType Type, StoredObject Object, StoredObject? Previous);
