using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Terway.Sandbox.KubeApi.Auth;

/// <summary>One issued bearer token.</summary>
internal sealed record IssuedToken(UserInfo User, string? ServiceAccountNamespace, string? ServiceAccountName, string? ServiceAccountUid, DateTimeOffset? Expires);

/// <summary>
/// Bearer-token authentication: the admin token, per-ServiceAccount tokens (from the test API
/// or the TokenRequest subresource) and ad-hoc user tokens. Unknown or expired tokens are 401.
/// </summary>
internal sealed class TokenAuthenticator
{
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public TokenAuthenticator(TimeProvider time, string? adminToken = null)
    {
        _time = time;
        AdminToken = adminToken ?? NewToken();
        _tokens[AdminToken] = new IssuedToken(new UserInfo("kubernetes-admin", ["system:masters", "system:authenticated"]), null, null, null, null);
    }

    public string AdminToken { get; }

    /// <summary>Checks the SA still exists (and is the same object) when its token is used.</summary>
    public Func<string, string, string?>? ServiceAccountUidLookup { get; set; }

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static UserInfo ServiceAccountUser(string ns, string name, string uid = "") =>
        new($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"], uid);

    public string IssueServiceAccountToken(string ns, string name, string? uid = null, DateTimeOffset? expires = null)
    {
        var token = NewToken();
        _tokens[token] = new IssuedToken(ServiceAccountUser(ns, name, uid ?? ""), ns, name, uid, expires);
        return token;
    }

    public string IssueUserToken(string user, IEnumerable<string> groups)
    {
        var token = NewToken();
        var g = groups.ToList();
        if (!g.Contains("system:authenticated"))
        {
            g.Add("system:authenticated");
        }

        _tokens[token] = new IssuedToken(new UserInfo(user, g), null, null, null, null);
        return token;
    }

    public UserInfo? Authenticate(string? authorizationHeader)
    {
        if (authorizationHeader == null || !authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorizationHeader[7..].Trim();
        return Authenticate(token, out _);
    }

    public UserInfo? Authenticate(string token, out IssuedToken? issued)
    {
        issued = null;
        if (!_tokens.TryGetValue(token, out var t))
        {
            return null;
        }

        if (t.Expires is { } exp && _time.GetUtcNow() >= exp)
        {
            return null;
        }

        if (t.ServiceAccountName != null && ServiceAccountUidLookup != null)
        {
            var uid = ServiceAccountUidLookup(t.ServiceAccountNamespace!, t.ServiceAccountName);
            if (uid == null || (t.ServiceAccountUid != null && t.ServiceAccountUid != uid))
            {
                return null;
            }
        }

        issued = t;
        return t.User;
    }
}
