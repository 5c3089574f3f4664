using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;

namespace Terway.Sandbox.KubeApi.Server;

/// <summary>
/// Decodes the few protobuf request bodies kubectl's typed clients send to the emulator
/// (access and rules reviews, token requests and reviews, and the Namespace that
/// <c>kubectl create namespace</c> posts). The envelope is Kubernetes'
/// <c>k8s\0</c> magic plus <c>runtime.Unknown</c>; answers are always JSON.
/// </summary>
internal static class ProtobufBodies
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static readonly string[] SupportedKinds = ["SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview", "TokenRequest", "TokenReview", "Namespace"];

    public static JsonObject Decode(string kind, byte[] body)
    {
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw StatusException.BadRequest("provided object is not a valid protobuf message: missing k8s magic prefix");
        }

        var unknown = Fields(body.AsSpan(4));
        var typeMeta = Fields(Bytes(unknown, 1));
        var raw = Bytes(unknown, 2);
        var result = new JsonObject
        {
            ["apiVersion"] = Str(typeMeta, 1),
            ["kind"] = Str(typeMeta, 2),
        };
        var msg = Fields(raw);
        var spec = Fields(Bytes(msg, 2));
        var meta = Fields(Bytes(msg, 1));
        if (Metadata(meta) is { Count: > 0 } metadata)
        {
            result["metadata"] = metadata;
        }

        result["spec"] = kind switch
        {
            "SelfSubjectAccessReview" => AccessSpec(spec),
            "SubjectAccessReview" => SubjectSpec(spec),
            "SelfSubjectRulesReview" => new JsonObject { ["namespace"] = Str(spec, 1) },
            "TokenRequest" => TokenRequestSpec(spec),
            "TokenReview" => new JsonObject { ["token"] = Str(spec, 1), ["audiences"] = Strings(spec, 2) },
            "Namespace" => Has(spec, 1) ? new JsonObject { ["finalizers"] = Strings(spec, 1) } : new JsonObject(),
            _ => throw StatusException.UnsupportedMediaType("application/vnd.kubernetes.protobuf", ["application/json", "application/yaml"]),
        };
        return result;
    }

    private static JsonObject AccessSpec(List<(int Field, object Value)> spec)
    {
        var o = new JsonObject();
        if (Has(spec, 1))
        {
            var ra = Fields(Bytes(spec, 1));
            o["resourceAttributes"] = new JsonObject
            {
                ["namespace"] = Str(ra, 1),
                ["verb"] = Str(ra, 2),
                ["group"] = Str(ra, 3),
                ["version"] = Str(ra, 4),
                ["resource"] = Str(ra, 5),
                ["subresource"] = Str(ra, 6),
                ["name"] = Str(ra, 7),
            };
        }

        if (Has(spec, 2))
        {
            var na = Fields(Bytes(spec, 2));
            o["nonResourceAttributes"] = new JsonObject { ["path"] = Str(na, 1), ["verb"] = Str(na, 2) };
        }

        return o;
    }

    // ObjectMeta: name 1, generateName 2, namespace 3, labels 11, annotations 12 (map entries: key 1, value 2).
    // A create carries nothing else a client may set that the emulator would keep.
    private static JsonObject Metadata(List<(int Field, object Value)> meta)
    {
        var o = new JsonObject();
        foreach (var (field, key) in new[] { (1, "name"), (2, "generateName"), (3, "namespace") })
        {
            if (Str(meta, field) is { Length: > 0 } value)
            {
                o[key] = value;
            }
        }

        foreach (var (field, key) in new[] { (11, "labels"), (12, "annotations") })
        {
            var map = new JsonObject();
            foreach (var (f, v) in meta)
            {
                if (f == field && v is byte[] entry)
                {
                    var kv = Fields(entry);
                    map[Str(kv, 1)] = Str(kv, 2);
                }
            }

            if (map.Count > 0)
            {
                o[key] = map;
            }
        }

        return o;
    }

    private static JsonObject SubjectSpec(List<(int Field, object Value)> spec)
    {
        var o = AccessSpec(spec);
        o["user"] = Str(spec, 3);
        o["groups"] = Strings(spec, 4);
        o["uid"] = Str(spec, 6);
        return o;
    }

    private static JsonObject TokenRequestSpec(List<(int Field, object Value)> spec)
    {
        var o = new JsonObject { ["audiences"] = Strings(spec, 1) };
        foreach (var (f, v) in spec)
        {
            if (f == 4 && v is ulong seconds)
            {
                o["expirationSeconds"] = (long)seconds;
            }
        }

        return o;
    }

    private static bool Has(List<(int Field, object Value)> fields, int n) => fields.Any(f => f.Field == n);

    private static ReadOnlySpan<byte> Bytes(List<(int Field, object Value)> fields, int n)
    {
        foreach (var (f, v) in fields)
        {
            if (f == n && v is byte[] b)
            {
                return b;
            }
        }

        return [];
    }

    private static string Str(List<(int Field, object Value)> fields, int n) => Encoding.UTF8.GetString(Bytes(fields, n));

    private static JsonArray Strings(List<(int Field, object Value)> fields, int n) =>
        new(fields.Where(f => f.Field == n && f.Value is byte[]).Select(f => (JsonNode?)JsonValue.Create(Encoding.UTF8.GetString((byte[])f.Value))).ToArray());

    /// <summary>Splits one protobuf message into (field number, varint or bytes) pairs.</summary>
    private static List<(int Field, object Value)> Fields(ReadOnlySpan<byte> data)
    {
        var result = new List<(int, object)>();
        var i = 0;
        while (i < data.Length)
        {
            var key = Varint(data, ref i);
            var field = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    result.Add((field, Varint(data, ref i)));
                    break;
                case 2:
                    {
                        var len = (int)Varint(data, ref i);
                        if (len < 0 || i + len > data.Length)
                        {
                            throw StatusException.BadRequest("provided object is not a valid protobuf message: truncated field");
                        }

                        result.Add((field, data.Slice(i, len).ToArray()));
                        i += len;
                        break;
                    }

                case 1:
                    i += 8;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw StatusException.BadRequest("provided object is not a valid protobuf message: unsupported wire type");
            }
        }

        return result;
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong v = 0;
        var shift = 0;
        while (i < data.Length)
        {
            var b = data[i++];
            v |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return v;
            }

            shift += 7;
        }

        throw StatusException.BadRequest("provided object is not a valid protobuf message: truncated varint");
    }
}
