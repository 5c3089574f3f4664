using System.Globalization;

namespace Terway.Sandbox.Cloud.Signing;

/// <summary>Which of the two signature algorithms a request used.</summary>
internal enum SignatureAlgorithm
{
    /// <summary>RPC, <c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c>.</summary>
    RpcHmacSha1,

    /// <summary>V3, <c>ACS3-HMAC-SHA256</c> in the <c>Authorization</c> header.</summary>
    Acs3HmacSha256,
}

/// <summary>A request as it arrived: the raw pieces a signature covers.</summary>
internal sealed record IncomingRequest
{
    public required string Method { get; init; }

    public required string Path { get; init; }

    /// <summary>Decoded query parameters in arrival order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Query { get; init; }

    /// <summary>Decoded <c>application/x-www-form-urlencoded</c> body parameters (empty otherwise).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Form { get; init; }

    /// <summary>Headers by lowercase name, each with all its values.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Headers { get; init; }

    /// <summary>Lowercase hex SHA-256 of the body as received.</summary>
    public required string BodySha256 { get; init; }

    public string? Header(string lowercaseName) =>
        Headers.TryGetValue(lowercaseName, out var v) && v.Count > 0 ? v[0] : null;
}

/// <summary>The call a request makes, as far as it can be read before authentication.</summary>
internal sealed record ParsedCall(
    SignatureAlgorithm Algorithm,
    string Action,
    string Version,
    string? Format,
    IReadOnlyDictionary<string, string> Parameters);

/// <summary>
/// Reads the action, version and parameters of a raw request and verifies its authentication
/// exactly as the gateway does: required common parameters, timestamp window (15 minutes),
/// AccessKey and STS token, the signature recomputed from the raw request, and nonce reuse.
/// </summary>
internal sealed class RequestAuthenticator(CredentialStore credentials, NonceCache nonces, TimeProvider time)
{
    /// <summary>How far a request timestamp may be from the server clock.</summary>
    public static readonly TimeSpan TimestampWindow = TimeSpan.FromMinutes(15);

    /// <summary>RPC common parameters; everything else is an operation parameter.</summary>
    private static readonly HashSet<string> RpcCommon = new(StringComparer.Ordinal)
    {
        "Action", "Version", "Format", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
        "SignatureNonce", "SignatureType", "Timestamp", "SecurityToken",
    };

    /// <summary>Reads the algorithm, action, version and operation parameters; throws MissingParameter for Action/Version.</summary>
    public static ParsedCall Parse(IncomingRequest request)
    {
        var authorization = request.Header("authorization");
        var all = request.Query.Concat(request.Form).ToList();
        if (authorization is not null || request.Header("x-acs-action") is not null)
        {
            var action = request.Header("x-acs-action");
            var version = request.Header("x-acs-version");
            if (string.IsNullOrEmpty(action))
            {
                throw CloudErrors.MissingParameter("x-acs-action");
            }

            if (string.IsNullOrEmpty(version))
            {
                throw CloudErrors.MissingParameter("x-acs-version");
            }

            return new ParsedCall(SignatureAlgorithm.Acs3HmacSha256, action, version, null, FirstWins(all, _ => true));
        }

        var parameters = FirstWins(all, _ => true);
        if (!parameters.TryGetValue("Action", out var rpcAction) || rpcAction.Length == 0)
        {
            throw CloudErrors.MissingParameter("Action");
        }

        if (!parameters.TryGetValue("Version", out var rpcVersion) || rpcVersion.Length == 0)
        {
            throw CloudErrors.MissingParameter("Version");
        }

        parameters.TryGetValue("Format", out var format);
        return new ParsedCall(SignatureAlgorithm.RpcHmacSha1, rpcAction, rpcVersion, string.IsNullOrEmpty(format) ? null : format,
            FirstWins(all, name => !RpcCommon.Contains(name)));
    }

    /// <summary>Verifies authentication; returns the AccessKey ID the request is signed with.</summary>
    public string Verify(IncomingRequest request, ParsedCall call) =>
        call.Algorithm == SignatureAlgorithm.RpcHmacSha1 ? VerifyRpc(request) : VerifyV3(request);

    private string VerifyRpc(IncomingRequest request)
    {
        var all = request.Query.Concat(request.Form).ToList();
        var p = FirstWins(all, _ => true);
        string Required(string name) =>
            p.TryGetValue(name, out var v) && v.Length > 0 ? v : throw CloudErrors.MissingParameter(name);

        var accessKeyId = Required("AccessKeyId");
        var signature = Required("Signature");
        var timestamp = Required("Timestamp");
        var nonce = Required("SignatureNonce");
        if (Required("SignatureMethod") != "HMAC-SHA1")
        {
            throw CloudErrors.InvalidParameter("SignatureMethod");
        }

        if (Required("SignatureVersion") != "1.0")
        {
            throw CloudErrors.InvalidParameter("SignatureVersion");
        }

        var now = time.GetUtcNow();
        var at = CheckTimestamp(timestamp, now);
        p.TryGetValue("SecurityToken", out var token);
        var key = credentials.Resolve(accessKeyId, token, now);

        var stringToSign = RpcSignature.StringToSign(request.Method, all);
        var expected = RpcSignature.Sign(stringToSign, key.AccessKeySecret);
        if (!RpcSignature.Matches(expected, signature))
        {
            throw CloudErrors.SignatureDoesNotMatch(stringToSign);
        }

        UseNonce(nonce, at, now);
        return accessKeyId;
    }

    private string VerifyV3(IncomingRequest request)
    {
        var header = request.Header("authorization") ?? throw CloudErrors.MissingParameter("Authorization");
        if (!AcsV3Signature.TryParseAuthorization(header, out var auth))
        {
            throw CloudErrors.IncompleteSignature("The Authorization header is malformed or names an unsupported algorithm.");
        }

        string RequiredHeader(string name) => request.Header(name) is { Length: > 0 } v ? v : throw CloudErrors.MissingParameter(name);
        RequiredHeader("host");
        var date = RequiredHeader("x-acs-date");
        var nonce = RequiredHeader("x-acs-signature-nonce");
        RequiredHeader("x-acs-content-sha256");

        var mustSign = new List<string> { "host" };
        mustSign.AddRange(request.Headers.Keys.Where(k => k.StartsWith("x-acs-", StringComparison.Ordinal)));
        var missing = mustSign.Where(h => !auth.SignedHeaders.Contains(h)).ToList();
        if (missing.Count > 0)
        {
            throw CloudErrors.IncompleteSignature("SignedHeaders must include: " + string.Join(';', missing) + ".");
        }

        var absent = auth.SignedHeaders.Where(h => !request.Headers.ContainsKey(h)).ToList();
        if (absent.Count > 0)
        {
            throw CloudErrors.IncompleteSignature("Signed headers are not in the request: " + string.Join(';', absent) + ".");
        }

        var now = time.GetUtcNow();
        var at = CheckTimestamp(date, now);
        var key = credentials.Resolve(auth.AccessKeyId, request.Header("x-acs-security-token"), now);
        if (request.Header("x-acs-accesskey-id") is { } declared && declared != auth.AccessKeyId)
        {
            throw CloudErrors.IncompleteSignature("x-acs-accesskey-id differs from the Credential of the Authorization header.");
        }

        // The server hashes the body it received; a client that hashed something else fails here.
        var canonical = AcsV3Signature.CanonicalRequest(
            request.Method, request.Path, request.Query,
            request.Headers.Select(h => new KeyValuePair<string, IReadOnlyList<string>>(h.Key, h.Value)),
            auth.SignedHeaders, request.BodySha256);
        var stringToSign = AcsV3Signature.StringToSign(canonical);
        var expected = AcsV3Signature.Sign(stringToSign, key.AccessKeySecret);
        if (!AcsV3Signature.Matches(expected, auth.Signature))
        {
            throw CloudErrors.SignatureDoesNotMatch(stringToSign);
        }

        UseNonce(nonce, at, now);
        return auth.AccessKeyId;
    }

    private static DateTimeOffset CheckTimestamp(string text, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            throw CloudErrors.TimeStampFormat(text);
        }

        if ((now - at).Duration() > TimestampWindow)
        {
            throw CloudErrors.TimeStampExpired(text);
        }

        return at;
    }

    private void UseNonce(string nonce, DateTimeOffset at, DateTimeOffset now)
    {
        // Forget the nonce only once a request with it could no longer pass the timestamp check.
        var forgetAfter = (at > now ? at : now) + TimestampWindow;
        if (!nonces.TryUse(nonce, forgetAfter))
        {
            throw CloudErrors.SignatureNonceUsed();
        }
    }

    private static Dictionary<string, string> FirstWins(IEnumerable<KeyValuePair<string, string>> pairs, Func<string, bool> include)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs)
        {
            if (include(k))
            {
                d.TryAdd(k, v);
            }
        }

        return d;
    }
}
