using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud;

namespace Terway.Sandbox.Tests.Cloud.Support;

/// <summary>A response as the test sees it: status, raw body, parsed JSON (when JSON), headers.</summary>
internal sealed record SimResponse(HttpStatusCode Status, string Body, JsonObject? Json, HttpResponseHeaders Headers, string? ContentType)
{
    public string? Code => Json?[nameof(Code)]?.GetValue<string>();

    public string? Message => Json?[nameof(Message)]?.GetValue<string>();

    public JsonNode this[string name] => Json?[name] ?? throw new KeyNotFoundException($"'{name}' not in response: {Body}");
}

/// <summary>
/// Builds raw, signed OpenAPI requests (RPC HMAC-SHA1 or V3 ACS3-HMAC-SHA256) against a running
/// simulator, with hooks to break them on purpose.
/// </summary>
internal sealed class SimClient(HttpClient http, Uri endpoint, string accessKeyId, string secret, TimeProvider time)
{
    public const string Ecs = "2014-05-26";
    public const string Vpc = "2016-04-28";

    private int _nonce;

    public string? SecurityToken { get; set; }

    public string RegionId { get; set; } = "cn-hangzhou";

    public Task<SimResponse> EcsAsync(string action, params (string Name, string Value)[] parameters) =>
        RpcAsync(action, Ecs, WithRegion(parameters));

    public Task<SimResponse> VpcAsync(string action, params (string Name, string Value)[] parameters) =>
        RpcAsync(action, Vpc, WithRegion(parameters));

    public string NewNonce() => Guid.NewGuid().ToString("N") + Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);

    public string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// An RPC request. <paramref name="tamper"/> may change the common parameters before signing;
    /// <paramref name="afterSign"/> after signing (to break the signature).
    /// </summary>
    public async Task<SimResponse> RpcAsync(
        string action,
        string version,
        IEnumerable<(string Name, string Value)> parameters,
        string method = "POST",
        string? format = "JSON",
        bool formBody = false,
        Action<Dictionary<string, string>>? tamper = null,
        Action<Dictionary<string, string>>? afterSign = null,
        string? signWithSecret = null,
        string? host = null)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["Version"] = version,
            ["AccessKeyId"] = accessKeyId,
            ["SignatureMethod"] = "HMAC-SHA1",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = NewNonce(),
            ["Timestamp"] = Now(),
        };
        if (format is not null)
        {
            all["Format"] = format;
        }

        if (SecurityToken is not null)
        {
            all["SecurityToken"] = SecurityToken;
        }

        foreach (var (n, v) in parameters)
        {
            all[n] = v;
        }

        tamper?.Invoke(all);
        all["Signature"] = TestSigner.RpcSignature(method, all, signWithSecret ?? secret);
        afterSign?.Invoke(all);

        HttpRequestMessage request;
        if (formBody)
        {
            // Common parameters in the query, operation parameters in the form body (both signed).
            var common = new HashSet<string> { "Action", "Version", "AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp", "Format", "Signature", "SecurityToken" };
            var query = string.Join("&", all.Where(p => common.Contains(p.Key)).Select(p => TestSigner.Encode(p.Key) + "=" + TestSigner.Encode(p.Value)));
            var form = string.Join("&", all.Where(p => !common.Contains(p.Key)).Select(p => TestSigner.Encode(p.Key) + "=" + TestSigner.Encode(p.Value)));
            request = new HttpRequestMessage(new HttpMethod(method), new Uri(endpoint, "/?" + query))
            {
                Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
        }
        else
        {
            var query = string.Join("&", all.Select(p => TestSigner.Encode(p.Key) + "=" + TestSigner.Encode(p.Value)));
            request = new HttpRequestMessage(new HttpMethod(method), new Uri(endpoint, "/?" + query));
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await SendAsync(request);
    }

    /// <summary>A V3 request; parameters in the query, or in a form body when <paramref name="formBody"/>.</summary>
    public async Task<SimResponse> V3Async(
        string action,
        string version,
        IEnumerable<(string Name, string Value)> parameters,
        bool formBody = false,
        string? host = null,
        Action<Dictionary<string, string>>? tamperHeaders = null,
        Func<byte[], byte[]>? tamperBody = null,
        string? nonce = null,
        string? date = null)
    {
        var list = parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)).ToList();
        var query = formBody ? [] : list;
        var body = formBody
            ? Encoding.UTF8.GetBytes(string.Join("&", list.Select(p => TestSigner.Encode(p.Key) + "=" + TestSigner.Encode(p.Value))))
            : [];
        var hostValue = host ?? endpoint.Authority;
        var headers = new Dictionary<string, string>
        {
            ["host"] = hostValue,
            ["x-acs-action"] = action,
            ["x-acs-version"] = version,
            ["x-acs-date"] = date ?? Now(),
            ["x-acs-signature-nonce"] = nonce ?? NewNonce(),
            ["x-acs-content-sha256"] = TestSigner.Sha256Hex(body),
        };
        if (formBody)
        {
            headers["content-type"] = "application/x-www-form-urlencoded";
        }

        if (SecurityToken is not null)
        {
            headers["x-acs-security-token"] = SecurityToken;
            headers["x-acs-accesskey-id"] = accessKeyId;
        }

        tamperHeaders?.Invoke(headers);
        var authorization = TestSigner.V3Authorization("POST", query, headers, headers["x-acs-content-sha256"], accessKeyId, secret);
        var sentBody = tamperBody?.Invoke(body) ?? body;
        var uri = new Uri(endpoint, "/" + (query.Count == 0 ? string.Empty : "?" + string.Join("&", query.Select(p => TestSigner.Encode(p.Key) + "=" + TestSigner.Encode(p.Value)))));
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(sentBody) };
        request.Headers.Host = hostValue;
        foreach (var (name, value) in headers)
        {
            if (name is "host" or "content-type")
            {
                continue;
            }

            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (formBody)
        {
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await SendAsync(request);
    }

    public async Task<SimResponse> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            JsonObject? json = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                json = JsonNode.Parse(text)?.AsObject();
            }

            return new SimResponse(response.StatusCode, text, json, response.Headers, response.Content.Headers.ContentType?.MediaType);
        }
    }

    private (string, string)[] WithRegion((string Name, string Value)[] parameters) =>
        parameters.Any(p => p.Name == "RegionId") ? parameters : [("RegionId", RegionId), .. parameters];
}
