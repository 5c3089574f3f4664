using Microsoft.Extensions.Time.Testing;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Signing;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Signing;

/// <summary>Authentication rules of reference §1 exercised on raw requests, without HTTP.</summary>
[TestFixture]
public sealed class RequestAuthenticatorTests
{
    private static readonly DateTimeOffset TvRpc1Time = new(2016, 2, 23, 12, 46, 24, TimeSpan.Zero);

    private FakeTimeProvider _time = null!;
    private CredentialStore _credentials = null!;
    private RequestAuthenticator _auth = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(TvRpc1Time);
        _credentials = new CredentialStore([new AccessKeyDefinition { AccessKeyId = "testid", AccessKeySecret = "testsecret" }]);
        _auth = new RequestAuthenticator(_credentials, new NonceCache(_time), _time);
    }

    private static IncomingRequest Rpc(string method, IEnumerable<KeyValuePair<string, string>> query, IEnumerable<KeyValuePair<string, string>>? form = null) => new()
    {
        Method = method,
        Path = "/",
        Query = query.ToList(),
        Form = form?.ToList() ?? [],
        Headers = new Dictionary<string, IReadOnlyList<string>> { ["host"] = ["ecs.cn-hangzhou.aliyuncs.com"] },
        BodySha256 = AcsV3Signature.EmptyPayloadHash,
    };

    private static List<KeyValuePair<string, string>> TvRpc1(string signature = "OLeaidS1JvxuMvnyHOwuJ+uX5qY=") =>
    [
        new("AccessKeyId", "testid"), new("Action", "DescribeRegions"), new("Format", "XML"),
        new("SignatureMethod", "HMAC-SHA1"), new("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        new("SignatureVersion", "1.0"), new("Timestamp", "2016-02-23T12:46:24Z"), new("Version", "2014-05-26"),
        new("Signature", signature),
    ];

    private List<KeyValuePair<string, string>> Signed(string method, Dictionary<string, string> p, string secret = "testsecret")
    {
        p.TryAdd("AccessKeyId", "testid");
        p.TryAdd("Action", "DescribeVSwitches");
        p.TryAdd("Version", "2016-04-28");
        p.TryAdd("SignatureMethod", "HMAC-SHA1");
        p.TryAdd("SignatureVersion", "1.0");
        p.TryAdd("SignatureNonce", Guid.NewGuid().ToString());
        p.TryAdd("Timestamp", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        p["Signature"] = TestSigner.RpcSignature(method, p, secret);
        return p.ToList();
    }

    private string Verify(IncomingRequest r) => _auth.Verify(r, RequestAuthenticator.Parse(r));

    [Test]
    public void Verify_OfficialVectorTvRpc1AtItsTimestamp_Accepts()
    {
        var request = Rpc("GET", TvRpc1());
        var call = RequestAuthenticator.Parse(request);
        Assert.That(call.Action, Is.EqualTo("DescribeRegions"));
        Assert.That(call.Format, Is.EqualTo("XML"));
        Assert.That(call.Parameters, Is.Empty, "common parameters are not operation parameters");
        Assert.That(_auth.Verify(request, call), Is.EqualTo("testid"));
    }

    [Test]
    public void Verify_WrongSignature_RejectsWithServerStringToSign()
    {
        var e = Expect.Code("SignatureDoesNotMatch", 400, () => Verify(Rpc("GET", TvRpc1("CT9X0VtwR86fNWSnsc6v8YGOjuE="))));
        Assert.That(e.Message, Does.StartWith("Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions"));
    }

    [Test]
    public void Verify_SignedForGetButSentAsPost_Rejects() =>
        Expect.Code("SignatureDoesNotMatch", () => Verify(Rpc("POST", TvRpc1())));

    [Test]
    public void Verify_TimestampSixteenMinutesOld_RejectsAsExpired()
    {
        _time.Advance(TimeSpan.FromMinutes(16));
        Expect.Code("InvalidTimeStamp.Expired", 400, () => Verify(Rpc("GET", TvRpc1())));
    }

    [Test]
    public void Verify_TimestampFourteenMinutesAhead_Accepts()
    {
        _time = new FakeTimeProvider(TvRpc1Time - TimeSpan.FromMinutes(14));
        _auth = new RequestAuthenticator(_credentials, new NonceCache(_time), _time);
        Assert.That(Verify(Rpc("GET", TvRpc1())), Is.EqualTo("testid"));
    }

    [TestCase("2016-02-23 12:46:24")]
    [TestCase("2016-02-23T12:46:24.000Z")]
    [TestCase("2016-02-23T12:46:24+08:00")]
    public void Verify_TimestampNotInIso8601Seconds_RejectsAsMalformed(string timestamp)
    {
        var p = new Dictionary<string, string> { ["Timestamp"] = timestamp };
        Expect.Code("InvalidTimeStamp.Format", () => Verify(Rpc("GET", Signed("GET", p))));
    }

    [Test]
    public void Verify_SameNonceTwice_RejectsTheReplay()
    {
        Verify(Rpc("GET", TvRpc1()));
        Expect.Code("SignatureNonceUsed", 400, () => Verify(Rpc("GET", TvRpc1())));
    }

    [Test]
    public void Verify_NonceReusedAfterWindow_IsForgottenButTimestampThenExpires()
    {
        var p = Signed("GET", new Dictionary<string, string> { ["SignatureNonce"] = "n-1" });
        Verify(Rpc("GET", p));
        _time.Advance(TimeSpan.FromMinutes(31));
        var again = Signed("GET", new Dictionary<string, string> { ["SignatureNonce"] = "n-1" });
        Assert.That(Verify(Rpc("GET", again)), Is.EqualTo("testid"), "a nonce is remembered only while it could be replayed");
    }

    [Test]
    public void Verify_BadSignatureDoesNotBurnTheNonce()
    {
        var p = Signed("GET", new Dictionary<string, string> { ["SignatureNonce"] = "n-2" }, secret: "wrong");
        Expect.Code("SignatureDoesNotMatch", () => Verify(Rpc("GET", p)));
        var good = Signed("GET", new Dictionary<string, string> { ["SignatureNonce"] = "n-2" });
        Assert.That(Verify(Rpc("GET", good)), Is.EqualTo("testid"));
    }

    [Test]
    public void Verify_UnknownAccessKey_RejectsWithNotFound()
    {
        var p = Signed("GET", new Dictionary<string, string> { ["AccessKeyId"] = "nobody" });
        Expect.Code("InvalidAccessKeyId.NotFound", 400, () => Verify(Rpc("GET", p)));
    }

    [Test]
    public void Verify_DisabledAccessKey_RejectsAsInactive()
    {
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "off", AccessKeySecret = "s", Enabled = false });
        var p = Signed("GET", new Dictionary<string, string> { ["AccessKeyId"] = "off" }, "s");
        Expect.Code("InvalidAccessKeyId.Inactive", () => Verify(Rpc("GET", p)));
    }

    [TestCase("AccessKeyId")]
    [TestCase("Signature")]
    [TestCase("Timestamp")]
    [TestCase("SignatureNonce")]
    [TestCase("SignatureMethod")]
    [TestCase("Action")]
    [TestCase("Version")]
    public void Verify_MissingCommonParameter_RejectsNamingIt(string name)
    {
        var p = TvRpc1().Where(kv => kv.Key != name).ToList();
        var e = Expect.Code("MissingParameter", 400, () => Verify(Rpc("GET", p)));
        Assert.That(e.Message, Does.Contain($"\"{name}\""));
    }

    [TestCase("SignatureMethod", "HMAC-SHA256")]
    [TestCase("SignatureVersion", "2.0")]
    public void Verify_UnsupportedSignatureMethodOrVersion_RejectsAsInvalid(string name, string value)
    {
        var p = Signed("GET", new Dictionary<string, string> { [name] = value });
        Expect.Code("InvalidParameter", () => Verify(Rpc("GET", p)));
    }

    [Test]
    public void Verify_FormBodyParameters_AreSignedTogetherWithTheQuery()
    {
        var all = Signed("POST", new Dictionary<string, string> { ["VpcId"] = "vpc-1", ["RegionId"] = "cn-hangzhou" });
        var query = all.Where(p => p.Key is not ("VpcId" or "RegionId")).ToList();
        var form = all.Where(p => p.Key is "VpcId" or "RegionId").ToList();
        var request = Rpc("POST", query, form);
        Assert.That(Verify(request), Is.EqualTo("testid"));
        Assert.That(RequestAuthenticator.Parse(request).Parameters, Contains.Key("VpcId"));

        var dropped = Rpc("POST", query, form.Take(1));
        Expect.Code("SignatureDoesNotMatch", () => Verify(dropped));
    }

    [Test]
    public void Verify_StsCredential_RequiresMatchingUnexpiredToken()
    {
        _credentials.Add(new AccessKeyDefinition
        {
            AccessKeyId = "STS.temp",
            AccessKeySecret = "stssecret",
            SecurityToken = "token-1",
            Expiration = TvRpc1Time + TimeSpan.FromHours(1),
        });
        Dictionary<string, string> Base() => new() { ["AccessKeyId"] = "STS.temp" };

        Expect.Code("MissingSecurityToken", () => Verify(Rpc("GET", Signed("GET", Base(), "stssecret"))));
        var wrong = Base();
        wrong["SecurityToken"] = "token-2";
        Expect.Code("InvalidSecurityToken.MismatchWithAccessKey", () => Verify(Rpc("GET", Signed("GET", wrong, "stssecret"))));
        var right = Base();
        right["SecurityToken"] = "token-1";
        Assert.That(Verify(Rpc("GET", Signed("GET", right, "stssecret"))), Is.EqualTo("STS.temp"));

        _time.Advance(TimeSpan.FromHours(2));
        var late = Base();
        late["SecurityToken"] = "token-1";
        Expect.Code("InvalidSecurityToken.Expired", () => Verify(Rpc("GET", Signed("GET", late, "stssecret"))));
    }

    private static IncomingRequest V3(Dictionary<string, string> headers, string? authorization, byte[]? body = null, List<KeyValuePair<string, string>>? query = null)
    {
        var all = headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)[h.Value]);
        if (authorization is not null)
        {
            all["authorization"] = [authorization];
        }

        return new IncomingRequest
        {
            Method = "POST",
            Path = "/",
            Query = query ?? [],
            Form = [],
            Headers = all,
            BodySha256 = TestSigner.Sha256Hex(body ?? []),
        };
    }

    private static Dictionary<string, string> TvV31Headers() => new()
    {
        ["host"] = "ecs.cn-shanghai.aliyuncs.com",
        ["x-acs-action"] = "RunInstances",
        ["x-acs-content-sha256"] = AcsV3Signature.EmptyPayloadHash,
        ["x-acs-date"] = "2023-10-26T10:22:32Z",
        ["x-acs-signature-nonce"] = "3156853299f313e23d1673dc12e1703d",
        ["x-acs-version"] = "2014-05-26",
    };

    private const string TvV31Authorization =
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";

    private static readonly List<KeyValuePair<string, string>> TvV31Query =
        [new("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), new("RegionId", "cn-shanghai")];

    [Test]
    public void Verify_OfficialVectorTvV31AtItsDate_Accepts()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 10, 22, 32, TimeSpan.Zero));
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "YourAccessKeyId", AccessKeySecret = "YourAccessKeySecret" });
        var request = V3(TvV31Headers(), TvV31Authorization, query: TvV31Query);
        var call = RequestAuthenticator.Parse(request);
        Assert.That(call.Algorithm, Is.EqualTo(SignatureAlgorithm.Acs3HmacSha256));
        Assert.That(call.Action, Is.EqualTo("RunInstances"));
        Assert.That(call.Parameters["RegionId"], Is.EqualTo("cn-shanghai"));
        Assert.That(_auth.Verify(request, call), Is.EqualTo("YourAccessKeyId"));
        Expect.Code("SignatureNonceUsed", () => _auth.Verify(request, call));
    }

    [Test]
    public void Verify_V3WithBodyDifferentFromItsHash_Rejects()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 10, 22, 32, TimeSpan.Zero));
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "YourAccessKeyId", AccessKeySecret = "YourAccessKeySecret" });
        var request = V3(TvV31Headers(), TvV31Authorization, body: "RegionId=x"u8.ToArray(), query: TvV31Query);
        Expect.Code("SignatureDoesNotMatch", () => Verify(request));
    }

    [Test]
    public void Verify_V3QueryTampered_Rejects()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 10, 22, 32, TimeSpan.Zero));
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "YourAccessKeyId", AccessKeySecret = "YourAccessKeySecret" });
        var request = V3(TvV31Headers(), TvV31Authorization, query: [new("RegionId", "cn-beijing")]);
        var e = Expect.Code("SignatureDoesNotMatch", () => Verify(request));
        Assert.That(e.Message, Does.Contain("ACS3-HMAC-SHA256\n"));
    }

    [Test]
    public void Verify_V3WithUnsignedAcsHeader_RejectsAsIncomplete()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 10, 22, 32, TimeSpan.Zero));
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "YourAccessKeyId", AccessKeySecret = "YourAccessKeySecret" });
        var headers = TvV31Headers();
        headers["x-acs-extra"] = "1";
        Expect.Code("IncompleteSignature", 400, () => Verify(V3(headers, TvV31Authorization, query: TvV31Query)));
    }

    [Test]
    public void Verify_V3MalformedAuthorization_RejectsAsIncomplete()
    {
        var request = V3(TvV31Headers(), "ACS3-HMAC-SHA256 Credential=YourAccessKeyId");
        Expect.Code("IncompleteSignature", () => Verify(request));
    }

    [Test]
    public void Verify_V3MissingDate_RejectsNamingTheHeader()
    {
        var headers = TvV31Headers();
        headers.Remove("x-acs-date");
        var e = Expect.Code("MissingParameter", () => Verify(V3(headers, TvV31Authorization)));
        Assert.That(e.Message, Does.Contain("x-acs-date"));
    }

    [Test]
    public void Verify_V3OldDate_RejectsAsExpired()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 11, 22, 32, TimeSpan.Zero));
        _credentials.Add(new AccessKeyDefinition { AccessKeyId = "YourAccessKeyId", AccessKeySecret = "YourAccessKeySecret" });
        Expect.Code("InvalidTimeStamp.Expired", () => Verify(V3(TvV31Headers(), TvV31Authorization, query: TvV31Query)));
    }

    [Test]
    public void Verify_V3UnknownKey_RejectsWithNotFound()
    {
        _time.SetUtcNow(new DateTimeOffset(2023, 10, 26, 10, 22, 32, TimeSpan.Zero));
        Expect.Code("InvalidAccessKeyId.NotFound", () => Verify(V3(TvV31Headers(), TvV31Authorization, query: TvV31Query)));
    }
}
