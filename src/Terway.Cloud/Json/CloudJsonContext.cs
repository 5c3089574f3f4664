using System.Text.Json.Serialization;

namespace Terway.Cloud.Json;

/// <summary>Source-generated serializer for the few values the client writes as JSON.</summary>
[JsonSerializable(typeof(IReadOnlyCollection<string>))]
internal sealed partial class CloudJsonContext : JsonSerializerContext;
