using System.Globalization;

namespace Terway.Cloud.Transport;

/// <summary>One RPC-style call: product, action and the operation parameters (flattened, 1-based <c>Name.N</c>).</summary>
internal sealed class OpenApiRequest(CloudProduct product, string action)
{
    public CloudProduct Product { get; } = product;

    public string Action { get; } = action;

    public List<KeyValuePair<string, string>> Parameters { get; } = new(16);

    /// <summary>The idempotency token, kept identical across every retry of this call.</summary>
    public string? ClientToken { get; private set; }

    public OpenApiRequest Add(string name, string? value)
    {
        if (value is not null)
        {
            Parameters.Add(new(name, value));
        }

        return this;
    }

    public OpenApiRequest Add(string name, int? value) => value is { } v ? Add(name, v.ToString(CultureInfo.InvariantCulture)) : this;

    public OpenApiRequest Add(string name, long? value) => value is { } v ? Add(name, v.ToString(CultureInfo.InvariantCulture)) : this;

    public OpenApiRequest Add(string name, bool? value) => value is { } v ? Add(name, v ? "true" : "false") : this;

    /// <summary>Adds <c>Name.1</c>, <c>Name.2</c>, ... (1-based).</summary>
    public OpenApiRequest AddList(string name, IEnumerable<string>? values)
    {
        if (values is null)
        {
            return this;
        }

        var i = 1;
        foreach (var v in values)
        {
            Add(name + "." + i.ToString(CultureInfo.InvariantCulture), v);
            i++;
        }

        return this;
    }

    /// <summary>Adds <c>Tag.N.Key</c>/<c>Tag.N.Value</c>.</summary>
    public OpenApiRequest AddTags(IEnumerable<KeyValuePair<string, string>>? tags)
    {
        if (tags is null)
        {
            return this;
        }

        var i = 1;
        foreach (var (key, value) in tags)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            Add("Tag." + n + ".Key", key);
            Add("Tag." + n + ".Value", value ?? string.Empty);
            i++;
        }

        return this;
    }

    /// <summary>A JSON array string (<c>["a","b"]</c>), as DescribeInstances takes <c>InstanceIds</c>.</summary>
    public OpenApiRequest AddJsonArray(string name, IReadOnlyCollection<string>? values) =>
        values is { Count: > 0 } ? Add(name, System.Text.Json.JsonSerializer.Serialize(values, Json.CloudJsonContext.Default.IReadOnlyCollectionString)) : this;

    public OpenApiRequest WithClientToken(string token)
    {
        ClientToken = token;
        return Add("ClientToken", token);
    }
}
