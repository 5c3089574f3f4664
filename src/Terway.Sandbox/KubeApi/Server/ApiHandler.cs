using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Discovery;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Patching;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Selectors;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Server;

/// <summary>
/// The HTTP front of the emulator: authentication, authorization, fault injection, routing
/// to discovery/OpenAPI/resources, content negotiation (JSON, Table, PartialObjectMetadata)
/// and Status bodies for every failure.
/// </summary>
internal sealed partial class ApiHandler
{
    private const string JsonPatchType = "application/json-patch+json";
    private const string MergePatchType = "application/merge-patch+json";
    private const string StrategicPatchType = "application/strategic-merge-patch+json";
    private const string ApplyPatchType = "application/apply-patch+yaml";

    private readonly ResourceOperations _ops;
    private readonly TokenAuthenticator _authn;
    private readonly RbacAuthorizer _authz;
    private readonly DiscoveryDocuments _discovery;
    private readonly OpenApiDocuments _openapi;
    private readonly FaultInjector _faults;
    private readonly WatchStreamer _watch;
    private readonly SpecialResources _special;
    private readonly long _maxBody;
    private readonly ILogger _log;

    public ApiHandler(ResourceOperations ops, TokenAuthenticator authn, RbacAuthorizer authz, FaultInjector faults, WatchStreamer watch,
        SpecialResources special, long maxBody, ILogger log)
    {
        _ops = ops;
        _authn = authn;
        _authz = authz;
        _discovery = new DiscoveryDocuments(ops.Registry);
        _openapi = new OpenApiDocuments(ops.Registry);
        _faults = faults;
        _watch = watch;
        _special = special;
        _maxBody = maxBody;
        _log = log;
    }

    public async Task HandleAsync(HttpContext http)
    {
        var warnings = new List<string>();
        try
        {
            await DispatchAsync(http, warnings).ConfigureAwait(false);
        }
        catch (StatusException e)
        {
            await WriteStatusAsync(http, e, warnings).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnexpected(_log, http.Request.Method, http.Request.Path.Value ?? "", e);
            await WriteStatusAsync(http, StatusException.Internal(e.Message), warnings).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure serving {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, string method, string path, Exception e);

    private static async Task WriteStatusAsync(HttpContext http, StatusException e, List<string> warnings)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        if (e.RetryAfterSeconds is { } ra)
        {
            http.Response.Headers.RetryAfter = ra.ToString(CultureInfo.InvariantCulture);
        }

        await WriteJsonAsync(http, e.Code, e.ToStatus(), warnings).ConfigureAwait(false);
    }

    public static async Task WriteJsonAsync(HttpContext http, int status, JsonNode body, List<string>? warnings = null)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        if (warnings != null)
        {
            foreach (var w in warnings.Distinct())
            {
                http.Response.Headers.Append("Warning", "299 - " + GoFormat.Quote(w));
            }
        }

        var bytes = JsonUtil.ToBytes(body);
        http.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await http.Response.Body.WriteAsync(bytes).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(HttpContext http, List<string> warnings)
    {
        var req = http.Request;
        var path = req.Path.Value ?? "/";
        var query = req.Query;
        var watchParam = query.TryGetValue("watch", out var wv) && (wv.ToString() is "true" or "1");
        var info = RequestInfo.Parse(req.Method, path, watchParam);

        var user = _authn.Authenticate(req.Headers.Authorization.ToString().Length == 0 ? null : req.Headers.Authorization.ToString())
                   ?? throw StatusException.Unauthorized();

        user = Impersonate(http.Request, user);
        var attrs = new AuthzAttributes(info.Verb, info.IsResourceRequest, info.Group, info.Resource, info.Subresource, info.Namespace, info.Name, path);
        if (!_authz.Authorize(user, attrs))
        {
            var detail = RbacAuthorizer.DenyReason(user, attrs);
            throw info.IsResourceRequest
                ? StatusException.Forbidden(info.Group, info.Resource, info.Name, detail)
                : StatusException.Forbidden("", "", null, detail);
        }

        if (info.IsResourceRequest && _faults.Take(info.Verb, info.Group, info.Resource, info.Subresource, info.Name) is { } fault)
        {
            throw fault;
        }

        if (!info.IsResourceRequest)
        {
            await NonResourceAsync(http, info, path).ConfigureAwait(false);
            return;
        }

        var rt = _ops.Registry.Find(info.Group, info.Version, info.Resource);
        if (rt == null || info.Resource.Length == 0)
        {
            throw StatusException.NotFoundGeneric();
        }

        var ns = rt.Namespaced ? info.Namespace : "";
        if (info.Subresource.Length > 0 && !(info.Subresource == "status" && rt.HasStatus) && !rt.OtherSubresources.ContainsKey(info.Subresource))
        {
            throw StatusException.NotFoundGeneric();
        }

        var ctx = MakeContext(http, user, info.Subresource);
        if (rt.IsVirtual || info.Subresource is "binding" or "token")
        {
            if (info.Verb != "create")
            {
                throw StatusException.MethodNotAllowed();
            }

            var body = await ReadObjectAsync(http, rt, requireTypeMeta: false, checkType: info.Subresource.Length == 0).ConfigureAwait(false);
            var result = await _special.HandleAsync(rt, info, ns, body, user, ctx, http.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(http, 201, result, ctx.Warnings).ConfigureAwait(false);
            return;
        }

        switch (info.Verb)
        {
            case "get":
                {
                    if (info.Subresource.Length > 0 && info.Subresource != "status")
                    {
                        throw StatusException.MethodNotAllowed();
                    }

                    var obj = _ops.Get(rt, ns, info.Name);
                    await WriteObjectAsync(http, rt, obj, ctx.Warnings).ConfigureAwait(false);
                    break;
                }

            case "list" or "watch":
                {
                    var opts = ParseListOptions(rt, query);
                    if (info.Verb == "watch")
                    {
                        ResourceOperations.ValidateListOptions(opts, watch: true);
                        await _watch.StreamAsync(http, rt, rt.Namespaced && info.Namespace.Length > 0 ? info.Namespace : null, opts, WantsTable(req), http.RequestAborted).ConfigureAwait(false);
                        return;
                    }

                    ResourceOperations.ValidateListOptions(opts, watch: false);
                    if (!string.IsNullOrEmpty(opts.ResourceVersion) && opts.ResourceVersion != "0" && string.IsNullOrEmpty(opts.Continue))
                    {
                        await _ops.WaitForRevisionAsync(ResourceOperations.ParseResourceVersion(opts.ResourceVersion), http.RequestAborted).ConfigureAwait(false);
                    }

                    var page = _ops.List(rt, rt.Namespaced && info.Namespace.Length > 0 ? info.Namespace : null, opts);
                    await WriteListAsync(http, rt, page, ctx.Warnings).ConfigureAwait(false);
                    break;
                }

            case "create":
                {
                    if (info.Name.Length > 0)
                    {
                        throw StatusException.MethodNotAllowed();
                    }

                    var body = await ReadObjectAsync(http, rt, requireTypeMeta: rt.Custom != null).ConfigureAwait(false);
                    var r = await _ops.CreateAsync(rt, ns, body, ctx, http.RequestAborted).ConfigureAwait(false);
                    await WriteObjectAsync(http, rt, r.Body, ctx.Warnings, r.StatusCode).ConfigureAwait(false);
                    break;
                }

            case "update":
                {
                    var body = await ReadObjectAsync(http, rt, requireTypeMeta: rt.Custom != null).ConfigureAwait(false);
                    var r = await _ops.UpdateAsync(rt, ns, info.Name, body, ctx, http.RequestAborted).ConfigureAwait(false);
                    await WriteObjectAsync(http, rt, r.Body, ctx.Warnings, r.StatusCode).ConfigureAwait(false);
                    break;
                }

            case "patch":
                {
                    var r = await PatchAsync(http, rt, ns, info, ctx).ConfigureAwait(false);
                    await WriteObjectAsync(http, rt, r.Body, ctx.Warnings, r.StatusCode).ConfigureAwait(false);
                    break;
                }

            case "delete":
                {
                    if (info.Subresource.Length > 0)
                    {
                        throw StatusException.MethodNotAllowed();
                    }

                    var opts = await ReadDeleteOptionsAsync(http).ConfigureAwait(false);
                    var r = await _ops.DeleteAsync(rt, ns, info.Name, opts, ctx, http.RequestAborted).ConfigureAwait(false);
                    await WriteJsonAsync(http, r.StatusCode, r.Body, ctx.Warnings).ConfigureAwait(false);
                    break;
                }

            case "deletecollection":
                {
                    if (!rt.Verbs.Contains("deletecollection"))
                    {
                        throw StatusException.MethodNotSupported(rt.Group, rt.Plural, "deletecollection");
                    }

                    var opts = await ReadDeleteOptionsAsync(http).ConfigureAwait(false);
                    var list = ParseListOptions(rt, query);
                    var result = await _ops.DeleteCollectionAsync(rt, rt.Namespaced && info.Namespace.Length > 0 ? info.Namespace : null, list, opts, ctx, http.RequestAborted).ConfigureAwait(false);
                    await WriteJsonAsync(http, 200, result, ctx.Warnings).ConfigureAwait(false);
                    break;
                }

            default:
                throw StatusException.MethodNotAllowed();
        }
    }

    /// <summary>Impersonation headers (kubectl --as/--as-group), allowed only with the impersonate verb.</summary>
    private UserInfo Impersonate(HttpRequest req, UserInfo user)
    {
        var asUser = req.Headers["Impersonate-User"].ToString();
        var asGroups = req.Headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (asUser.Length == 0)
        {
            if (asGroups.Count > 0)
            {
                throw StatusException.BadRequest("impersonating groups requires impersonating a user");
            }

            return user;
        }

        AuthzAttributes target;
        List<string> groups;
        var saPrefix = "system:serviceaccount:";
        if (asUser.StartsWith(saPrefix, StringComparison.Ordinal) && asUser.Split(':').Length == 4)
        {
            var parts = asUser.Split(':');
            target = new AuthzAttributes("impersonate", true, "", "serviceaccounts", "", parts[2], parts[3], "");
            groups = asGroups.Count > 0 ? asGroups : ["system:serviceaccounts", "system:serviceaccounts:" + parts[2]];
        }
        else
        {
            target = new AuthzAttributes("impersonate", true, "", "users", "", "", asUser, "");
            groups = asGroups;
        }

        if (!_authz.Authorize(user, target))
        {
            throw StatusException.Forbidden("", target.Resource, target.Name, RbacAuthorizer.DenyReason(user, target));
        }

        foreach (var g in asGroups)
        {
            var ga = new AuthzAttributes("impersonate", true, "", "groups", "", "", g, "");
            if (!_authz.Authorize(user, ga))
            {
                throw StatusException.Forbidden("", "groups", g, RbacAuthorizer.DenyReason(user, ga));
            }
        }

        if (!groups.Contains("system:authenticated") && asUser != "system:anonymous")
        {
            groups.Add("system:authenticated");
        }

        return new UserInfo(asUser, groups);
    }

    private static OpContext MakeContext(HttpContext http, UserInfo user, string subresource)
    {
        var q = http.Request.Query;
        var dryRun = false;
        if (q.TryGetValue("dryRun", out var dr))
        {
            foreach (var v in dr)
            {
                if (v != "All")
                {
                    throw StatusException.Invalid("meta.k8s.io", "CreateOptions", "", [FieldError.NotSupported("dryRun", v, ["\"All\""])]);
                }

                dryRun = true;
            }
        }

        var fv = q.TryGetValue("fieldValidation", out var fvv) ? fvv.ToString() : "Warn";
        if (fv.Length == 0)
        {
            fv = "Warn";
        }

        if (fv is not ("Strict" or "Warn" or "Ignore"))
        {
            throw StatusException.BadRequest($"fieldValidation parameter: {fv}, is invalid. Supported values are [Ignore, Warn, Strict]");
        }

        return new OpContext { User = user, Now = DateTimeOffset.UtcNow, DryRun = dryRun, FieldValidation = fv, SubResource = subresource };
    }

    private static ListOptions ParseListOptions(ResourceType rt, IQueryCollection q)
    {
        string? S(string k) => q.TryGetValue(k, out var v) ? v.ToString() : null;
        LabelSelector labels;
        try
        {
            labels = LabelSelector.Parse(S("labelSelector"));
        }
        catch (FormatException e)
        {
            throw StatusException.BadRequest($"unable to parse requirement: {e.Message}".Replace("unable to parse requirement: unable to parse requirement: ", "unable to parse requirement: ", StringComparison.Ordinal));
        }

        FieldSelector fields;
        try
        {
            fields = FieldSelector.Parse(S("fieldSelector"), l => rt.Strategy.NormalizeFieldLabel(rt, l));
        }
        catch (FormatException e)
        {
            throw StatusException.BadRequest(e.Message);
        }

        long? limit = null;
        if (S("limit") is { Length: > 0 } ls)
        {
            limit = long.TryParse(ls, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : throw StatusException.BadRequest($"invalid limit: {ls}");
        }

        long? timeout = null;
        if (S("timeoutSeconds") is { Length: > 0 } ts)
        {
            timeout = long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : throw StatusException.BadRequest($"invalid timeoutSeconds: {ts}");
        }

        bool? sendInitial = S("sendInitialEvents") switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            var x => throw StatusException.BadRequest($"invalid sendInitialEvents: {x}"),
        };
        return new ListOptions
        {
            Labels = labels,
            Fields = fields,
            Limit = limit,
            Continue = S("continue") is { Length: > 0 } c ? c : null,
            ResourceVersion = S("resourceVersion") is { Length: > 0 } rv ? rv : null,
            ResourceVersionMatch = S("resourceVersionMatch") is { Length: > 0 } m ? m : null,
            AllowWatchBookmarks = S("allowWatchBookmarks") is "true" or "1",
            SendInitialEvents = sendInitial,
            TimeoutSeconds = timeout,
        };
    }

    private async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            ms.Write(buffer, 0, n);
            if (ms.Length > _maxBody)
            {
                throw StatusException.TooLarge(_maxBody);
            }
        }

        return ms.ToArray();
    }

    private static string MediaType(string? contentType) => (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>Decodes a JSON or YAML request body into an object and checks its apiVersion/kind.</summary>
    private async Task<JsonObject> ReadObjectAsync(HttpContext http, ResourceType rt, bool requireTypeMeta, bool checkType = true)
    {
        var media = MediaType(http.Request.ContentType);
        var bytes = await ReadBodyAsync(http).ConfigureAwait(false);
        JsonNode? node;
        switch (media)
        {
            case "application/json" or "" or "*/*":
                try
                {
                    node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 10000 });
                }
                catch (JsonException e)
                {
                    throw StatusException.BadRequest("couldn't get version/kind; json parse error: " + GoJsonError(e));
                }

                break;
            case "application/vnd.kubernetes.protobuf" when !rt.IsVirtual && rt.Plural == "namespaces" && rt.Kind == "Namespace":
                node = ProtobufBodies.Decode("Namespace", bytes);
                break;
            case "application/vnd.kubernetes.protobuf" when ProtobufBodies.SupportedKinds.Contains(rt.IsVirtual ? rt.Kind : "TokenRequest") && (rt.IsVirtual || rt.Plural == "serviceaccounts"):
                node = ProtobufBodies.Decode(rt.IsVirtual ? rt.Kind : "TokenRequest", bytes);
                return (JsonObject)node;
            case "application/yaml":
                try
                {
                    node = YamlJson.Parse(Encoding.UTF8.GetString(bytes));
                }
                catch (YamlDotNet.Core.YamlException e)
                {
                    throw StatusException.BadRequest($"error converting YAML to JSON: yaml: line {e.Start.Line}: {e.Message}");
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    // Structurally odd YAML (duplicate keys, aliases) that the JSON conversion rejects.
                    throw StatusException.BadRequest($"error converting YAML to JSON: yaml: {e.Message}");
                }

                break;
            default:
                throw StatusException.UnsupportedMediaType(media, ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]);
        }

        if (node is not JsonObject obj)
        {
            throw StatusException.BadRequest("couldn't get version/kind; json parse error: json: cannot unmarshal " + JsonUtil.TypeName(node) + " into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }");
        }

        if (checkType)
        {
            CheckTypeMeta(obj, rt, requireTypeMeta);
        }

        return obj;
    }

    private static string GoJsonError(JsonException e)
    {
        var line = e.LineNumber ?? 0;
        var pos = e.BytePositionInLine ?? 0;
        return $"invalid character at line {line + 1}, position {pos + 1}: {e.Message.Split(" LineNumber:")[0]}";
    }

    private static void CheckTypeMeta(JsonObject obj, ResourceType rt, bool required)
    {
        var apiVersion = JsonUtil.Str(obj, "apiVersion");
        var kind = JsonUtil.Str(obj, "kind");
        if (required)
        {
            if (string.IsNullOrEmpty(kind))
            {
                throw StatusException.BadRequest($"Object 'Kind' is missing in '{Truncate(JsonUtil.ToText(obj))}'");
            }

            if (string.IsNullOrEmpty(apiVersion))
            {
                throw StatusException.BadRequest($"Object 'apiVersion' is missing in '{Truncate(JsonUtil.ToText(obj))}'");
            }
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != rt.ApiVersion)
        {
            throw StatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({rt.ApiVersion})");
        }

        if (!string.IsNullOrEmpty(kind) && kind != rt.Kind && !(rt.IsVirtual && kind == rt.Kind))
        {
            throw StatusException.BadRequest($"{rt.Kind} in version \"{rt.Version}\" cannot be handled as a {kind}: no kind \"{kind}\" is registered for version \"{apiVersion ?? rt.ApiVersion}\" in scheme \"pkg/api/legacyscheme/scheme.go:30\"");
        }
    }

    private static string Truncate(string s) => s.Length > 256 ? s[..256] : s;

    private async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext http)
    {
        var opts = new DeleteOptions();
        var bytes = await ReadBodyAsync(http).ConfigureAwait(false);
        if (bytes.Length > 0)
        {
            JsonObject? o;
            try
            {
                o = JsonNode.Parse(bytes) as JsonObject;
            }
            catch (JsonException e)
            {
                throw StatusException.BadRequest("couldn't get version/kind; json parse error: " + GoJsonError(e));
            }

            if (o != null)
            {
                opts.GracePeriodSeconds = JsonUtil.AsLong(o["gracePeriodSeconds"]);
                opts.PropagationPolicy = JsonUtil.Str(o, "propagationPolicy");
                opts.OrphanDependents = JsonUtil.AsBool(o["orphanDependents"]);
                opts.PreconditionUid = JsonUtil.Str(o["preconditions"], "uid");
                opts.PreconditionResourceVersion = JsonUtil.Str(o["preconditions"], "resourceVersion");
                opts.DryRun = (JsonUtil.Arr(o, "dryRun") ?? []).Any(x => JsonUtil.AsString(x) == "All");
            }
        }

        var q = http.Request.Query;
        if (q.TryGetValue("gracePeriodSeconds", out var g) && long.TryParse(g.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var gl))
        {
            opts.GracePeriodSeconds = gl;
        }

        if (q.TryGetValue("propagationPolicy", out var p) && p.ToString().Length > 0)
        {
            opts.PropagationPolicy = p.ToString();
        }

        if (q.TryGetValue("orphanDependents", out var od) && od.ToString().Length > 0)
        {
            opts.OrphanDependents = od.ToString() == "true";
        }

        return opts;
    }

    private async Task<WriteResult> PatchAsync(HttpContext http, ResourceType rt, string ns, RequestInfo info, OpContext ctx)
    {
        var media = MediaType(http.Request.ContentType);
        var accepted = rt.Custom == null
            ? new[] { JsonPatchType, MergePatchType, StrategicPatchType }
            : new[] { JsonPatchType, MergePatchType };
        if (!accepted.Contains(media))
        {
            throw StatusException.UnsupportedMediaType(media, accepted);
        }

        var bytes = await ReadBodyAsync(http).ConfigureAwait(false);
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw StatusException.BadRequest(GoJsonError(e));
        }

        if (media != JsonPatchType && patch is not JsonObject)
        {
            throw StatusException.BadRequest("json: cannot unmarshal " + JsonUtil.TypeName(patch) + " into Go value of type map[string]interface {}");
        }

        try
        {
            return await _ops.WriteAsync(rt, ns, info.Name, ctx, current =>
            {
                var patched = media switch
                {
                    JsonPatchType => JsonPatch.Apply(current, patch),
                    MergePatchType => MergePatch.Apply(current, patch),
                    _ => StrategicMergePatch.Apply(current, (JsonObject)patch!.DeepClone()),
                };
                if (patched is not JsonObject po)
                {
                    throw StatusException.BadRequest("the patched object is not a JSON object");
                }

                CheckTypeMeta(po, rt, required: false);
                return po;
            }, fromPatch: true, http.RequestAborted).ConfigureAwait(false);
        }
        catch (PatchFormatException e)
        {
            throw StatusException.BadRequest(e.Message);
        }
        catch (PatchApplyException e)
        {
            throw new StatusException(422, "Invalid", "the server rejected our request due to an error in our request",
                new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnexpectedServerResponse", ["message"] = e.Message }) });
        }
    }

    private enum OutputKind
    {
        Json,
        Table,
        Metadata,
    }

    private static (OutputKind Kind, string IncludeObject) Negotiate(HttpRequest req)
    {
        var accept = req.Headers.Accept.ToString();
        if (accept.Length == 0)
        {
            return (OutputKind.Json, "");
        }

        var acceptable = false;
        foreach (var part in accept.Split(','))
        {
            var fields = part.Split(';').Select(f => f.Trim()).ToList();
            var media = fields[0].ToLowerInvariant();
            var ps = fields.Skip(1).Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim(), StringComparer.Ordinal);
            if (media is not ("application/json" or "*/*" or "application/*"))
            {
                continue;
            }

            if (ps.TryGetValue("as", out var asKind))
            {
                if (ps.GetValueOrDefault("g") != "meta.k8s.io" || ps.GetValueOrDefault("v") is not ("v1" or "v1beta1"))
                {
                    continue;
                }

                switch (asKind)
                {
                    case "Table":
                        return (OutputKind.Table, req.Query["includeObject"].ToString());
                    case "PartialObjectMetadata" or "PartialObjectMetadataList":
                        return (OutputKind.Metadata, "");
                    default:
                        continue;
                }
            }

            acceptable = true;
            break;
        }

        if (!acceptable)
        {
            throw StatusException.NotAcceptable(["application/json", "application/json;as=Table;v=v1;g=meta.k8s.io"]);
        }

        return (OutputKind.Json, "");
    }

    private static bool WantsTable(HttpRequest req) => Negotiate(req).Kind == OutputKind.Table;

    private async Task WriteObjectAsync(HttpContext http, ResourceType rt, JsonObject obj, List<string> warnings, int status = 200)
    {
        var (kind, include) = Negotiate(http.Request);
        JsonNode body = kind switch
        {
            OutputKind.Table => TableConverter.Build(rt, [obj], _ops.Now, include,
                new JsonObject { ["resourceVersion"] = JsonUtil.Str(obj["metadata"], "resourceVersion") }),
            OutputKind.Metadata => new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = obj["metadata"]?.DeepClone() },
            _ => obj,
        };
        await WriteJsonAsync(http, status, body, warnings).ConfigureAwait(false);
    }

    private async Task WriteListAsync(HttpContext http, ResourceType rt, ListPage page, List<string> warnings)
    {
        var (kind, include) = Negotiate(http.Request);
        var meta = new JsonObject { ["resourceVersion"] = page.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (page.Continue != null)
        {
            meta["continue"] = page.Continue;
        }

        if (page.RemainingItemCount != null)
        {
            meta["remainingItemCount"] = page.RemainingItemCount;
        }

        switch (kind)
        {
            case OutputKind.Table:
                await WriteJsonAsync(http, 200, TableConverter.Build(rt, page.Items.Select(so => ResourceOperations.ToVersion(rt, so)), _ops.Now, include, meta), warnings).ConfigureAwait(false);
                return;
            case OutputKind.Metadata:
                {
                    var items = new JsonArray();
                    foreach (var so in page.Items)
                    {
                        items.Add(new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = ResourceOperations.ToVersion(rt, so)["metadata"]?.DeepClone() });
                    }

                    await WriteJsonAsync(http, 200, new JsonObject { ["kind"] = "PartialObjectMetadataList", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = meta, ["items"] = items }, warnings).ConfigureAwait(false);
                    return;
                }
        }

        // Large lists are written item by item from the stored bytes, without building one tree.
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        foreach (var w in warnings.Distinct())
        {
            http.Response.Headers.Append("Warning", "299 - " + GoFormat.Quote(w));
        }

        var stream = http.Response.Body;
        var writer = new Utf8JsonWriter(stream, JsonUtil.WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", rt.ListKind);
            writer.WriteString("apiVersion", rt.ApiVersion);
            writer.WritePropertyName("metadata");
            meta.WriteTo(writer);
            writer.WritePropertyName("items");
            writer.WriteStartArray();
            var direct = rt.StorageKeyOverride == null && rt.Custom?.Storage != false;
            foreach (var so in page.Items)
            {
                if (direct)
                {
                    writer.WriteRawValue(so.Utf8, skipInputValidation: true);
                }
                else
                {
                    ResourceOperations.ToVersion(rt, so).WriteTo(writer);
                }

                if (writer.BytesPending > 256 * 1024)
                {
                    await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task NonResourceAsync(HttpContext http, RequestInfo info, string path)
    {
        if (http.Request.Method is not ("GET" or "HEAD"))
        {
            throw StatusException.NotFoundGeneric();
        }

        JsonNode? body = path.TrimEnd('/') switch
        {
            "/version" => DiscoveryDocuments.Version(),
            "/api" => DiscoveryDocuments.CoreVersions(http.Request.Host.ToString()),
            "/apis" => _discovery.GroupList(),
            "/healthz" or "/livez" or "/readyz" => null,
            "/openapi/v3" => _openapi.Root(),
            _ => null,
        };
        var trimmed = path.TrimEnd('/');
        if (trimmed is "/healthz" or "/livez" or "/readyz")
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("ok").ConfigureAwait(false);
            return;
        }

        if (body == null && trimmed.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            body = _openapi.GroupVersion(trimmed["/openapi/v3/".Length..]);
        }

        if (body == null && info.ApiPrefix.Length > 0)
        {
            if (info.ApiPrefix == "api" && info.Version.Length > 0 && info.RestCount == 0)
            {
                body = _discovery.ResourceList("", info.Version);
            }
            else if (info.ApiPrefix == "apis" && info.Group.Length > 0 && info.Version.Length == 0)
            {
                body = _discovery.Group(info.Group);
            }
            else if (info.ApiPrefix == "apis" && info.Version.Length > 0 && info.RestCount == 0)
            {
                body = _discovery.ResourceList(info.Group, info.Version);
            }
        }

        if (body == null)
        {
            throw StatusException.NotFoundGeneric();
        }

        await WriteJsonAsync(http, 200, body).ConfigureAwait(false);
    }
}
