using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;

namespace Terway.Sandbox.KubeApi.Tables;

/// <summary>A column of a server-side table.</summary>
internal sealed record TableColumn(string Name, string Type, string Description, int Priority = 0, string Format = "");

/// <summary>A built-in kind's table: its columns and how to fill one row.</summary>
internal sealed record TableLayout(IReadOnlyList<TableColumn> Columns, Func<JsonObject, DateTimeOffset, JsonNode?[]> Cells);

/// <summary>Turns objects into <c>meta.k8s.io/v1 Table</c> responses (what <c>kubectl get</c> prints).</summary>
internal static class TableConverter
{
    public const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    public const string CreationDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static TableColumn NameColumn => new("Name", "string", NameDescription, 0, "name");

    public static TableColumn AgeColumn => new("Age", "string", CreationDescription);

    public static string Age(JsonObject obj, DateTimeOffset now)
    {
        var ts = JsonUtil.Str(obj["metadata"], "creationTimestamp");
        return JsonUtil.TryParseTime(ts, out var t) ? HumanDuration.Format(now - t) : "<unknown>";
    }

    public static JsonObject Build(ResourceType rt, IEnumerable<JsonObject> objects, DateTimeOffset now, string includeObject, JsonObject listMeta, bool includeColumns = true)
    {
        var (columns, cells) = LayoutFor(rt);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMeta,
        };
        var defs = new JsonArray();
        if (includeColumns)
        {
            foreach (var c in columns)
            {
                defs.Add(new JsonObject
                {
                    ["name"] = c.Name,
                    ["type"] = c.Type,
                    ["format"] = c.Format,
                    ["description"] = c.Description,
                    ["priority"] = c.Priority,
                });
            }
        }

        table["columnDefinitions"] = defs;
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray(cells(obj, now).Select(c => c?.DeepClone()).ToArray()) };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        table["rows"] = rows;
        return table;
    }

    private static (IReadOnlyList<TableColumn>, Func<JsonObject, DateTimeOffset, JsonNode?[]>) LayoutFor(ResourceType rt)
    {
        if (rt.Custom != null)
        {
            return CustomLayout(rt.Custom.PrinterColumns);
        }

        var layout = rt.Strategy.Table;
        if (layout != null)
        {
            return (layout.Columns, layout.Cells);
        }

        // The generic convertor the real server uses for kinds without printers.
        return ([NameColumn, new TableColumn("Created At", "date", CreationDescription)],
            (o, _) => [JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o["metadata"], "creationTimestamp")]);
    }

    private static (IReadOnlyList<TableColumn>, Func<JsonObject, DateTimeOffset, JsonNode?[]>) CustomLayout(IReadOnlyList<PrinterColumn> printer)
    {
        var cols = new List<TableColumn> { NameColumn };
        var paths = new List<(PrinterColumn Col, JsonPath? Path)>();
        foreach (var pc in printer)
        {
            cols.Add(new TableColumn(pc.Name, pc.Type, pc.Description, pc.Priority, pc.Format));
            JsonPath? path;
            try
            {
                path = JsonPath.Parse(pc.JsonPath);
            }
            catch (FormatException)
            {
                path = null;
            }

            paths.Add((pc, path));
        }

        return (cols, (obj, now) =>
        {
            var cells = new List<JsonNode?> { JsonUtil.Str(obj["metadata"], "name") };
            foreach (var (col, path) in paths)
            {
                var results = path?.Evaluate(obj) ?? [];
                var value = results.Count == 0 ? null : results[0];
                cells.Add(Cell(col.Type, value, now));
            }

            return cells.ToArray();
        });
    }

    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now)
    {
        if (JsonUtil.IsNull(value))
        {
            return null;
        }

        switch (type)
        {
            case "integer":
                if (JsonUtil.IsNumber(value))
                {
                    var v = value!.AsValue();
                    return JsonUtil.TryGetLong(v, out var l) ? l : (long)JsonUtil.GetDouble(v);
                }

                return null;
            case "number":
                return JsonUtil.IsNumber(value) ? JsonValue.Create(JsonUtil.GetDouble(value!.AsValue())) : null;
            case "boolean":
                return JsonUtil.IsBool(value) ? value!.DeepClone() : null;
            case "date":
                {
                    var s = JsonUtil.AsString(value);
                    if (s == null)
                    {
                        return null;
                    }

                    return JsonUtil.TryParseTime(s, out var t) ? HumanDuration.Format(now - t) : "<invalid>";
                }

            default:
                return JsonPath.Print(value);
        }
    }
}
