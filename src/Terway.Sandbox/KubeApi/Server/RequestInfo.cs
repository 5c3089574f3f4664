namespace Terway.Sandbox.KubeApi.Server;

/// <summary>A request path decoded the way the real server's RequestInfoFactory decodes it.</summary>
internal sealed class RequestInfo
{
    public bool IsResourceRequest { get; set; }
    public string Path { get; set; } = "";
    public string Verb { get; set; } = "";
    public string ApiPrefix { get; set; } = "";
    public string Group { get; set; } = "";
    public string Version { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Resource { get; set; } = "";
    public string Subresource { get; set; } = "";
    public string Name { get; set; } = "";
    public bool LegacyWatch { get; set; }

    /// <summary>Segments after the group/version (for discovery routing).</summary>
    public int RestCount { get; set; }

    public static RequestInfo Parse(string method, string path, bool watchParam)
    {
        var info = new RequestInfo { Path = path, Verb = method.ToLowerInvariant() };
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (parts.Length == 0 || (parts[0] != "api" && parts[0] != "apis"))
        {
            return info;
        }

        info.ApiPrefix = parts[0];
        int idx;
        if (parts[0] == "api")
        {
            if (parts.Length < 2)
            {
                return info;
            }

            info.Version = parts[1];
            idx = 2;
        }
        else
        {
            if (parts.Length < 3)
            {
                if (parts.Length == 2)
                {
                    info.Group = parts[1];
                }

                return info;
            }

            info.Group = parts[1];
            info.Version = parts[2];
            idx = 3;
        }

        var rest = parts[idx..];
        info.RestCount = rest.Length;
        if (rest.Length == 0)
        {
            return info;
        }

        info.IsResourceRequest = true;
        if (rest[0] == "watch")
        {
            info.LegacyWatch = true;
            rest = rest[1..];
        }

        if (rest.Length > 0 && rest[0] == "namespaces")
        {
            if (rest.Length > 1)
            {
                info.Namespace = rest[1];
                if (rest.Length > 2 && rest[2] is not ("status" or "finalize"))
                {
                    rest = rest[2..];
                }
            }
        }

        if (rest.Length > 0)
        {
            info.Resource = rest[0];
        }

        if (rest.Length > 1)
        {
            info.Name = rest[1];
        }

        if (rest.Length > 2)
        {
            info.Subresource = rest[2];
        }

        if (rest.Length > 3)
        {
            info.Resource = "";
        }

        if (info.Resource == "namespaces")
        {
            info.Namespace = info.Name;
        }

        info.Verb = method switch
        {
            "GET" or "HEAD" => info.LegacyWatch || watchParam ? "watch" : info.Name.Length > 0 ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => info.Name.Length > 0 ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return info;
    }
}
