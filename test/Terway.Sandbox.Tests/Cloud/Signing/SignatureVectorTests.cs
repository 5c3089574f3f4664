using Terway.Sandbox.Cloud.Signing;

namespace Terway.Sandbox.Tests.Cloud.Signing;

/// <summary>The official and SDK test vectors of reference §1, reproduced by the verifier's canonicalisation.</summary>
[TestFixture]
public sealed class SignatureVectorTests
{
    private static List<KeyValuePair<string, string>> P(params string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).Select(kv => new KeyValuePair<string, string>(kv[0], kv[1])).ToList();

    private static readonly List<KeyValuePair<string, string>> TvRpc1 = P(
        "AccessKeyId=testid", "Action=DescribeRegions", "Format=XML", "SignatureMethod=HMAC-SHA1",
        "SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion=1.0",
        "Timestamp=2016-02-23T12:46:24Z", "Version=2014-05-26");

    [Test]
    public void StringToSign_OfficialVectorTvRpc1_MatchesDocument()
    {
        Assert.That(RpcSignature.StringToSign("GET", TvRpc1), Is.EqualTo(
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"));
    }

    [Test]
    public void Sign_OfficialVectorTvRpc1_MatchesExpectedSignature()
    {
        var shuffled = TvRpc1.AsEnumerable().Reverse().ToList();
        Assert.That(RpcSignature.Sign(RpcSignature.StringToSign("GET", shuffled), "testsecret"), Is.EqualTo("OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
    }

    [Test]
    public void Sign_TvRpc1WithMisspelledTimeStamp_GivesTheDocumentsWrongExample()
    {
        var misspelled = TvRpc1.Select(p => p.Key == "Timestamp" ? new KeyValuePair<string, string>("TimeStamp", p.Value) : p).ToList();
        Assert.That(RpcSignature.Sign(RpcSignature.StringToSign("GET", misspelled), "testsecret"), Is.EqualTo("CT9X0VtwR86fNWSnsc6v8YGOjuE="));
    }

    [Test]
    public void Sign_OfficialVectorTvRpc2_MatchesCanonicalQueryAndSignature()
    {
        var p = P("AccessKeyId=testid", "Action=DescribeDedicatedHosts", "Format=JSON", "RegionId=cn-beijing",
            "SignatureMethod=HMAC-SHA1", "SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb", "SignatureVersion=1.0",
            "Timestamp=2023-03-13T08:34:30Z", "Version=2014-05-26");
        Assert.That(RpcSignature.CanonicalQuery(p), Is.EqualTo(
            "AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26"));
        var sts = RpcSignature.StringToSign("GET", p);
        Assert.That(sts, Is.EqualTo(
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDedicatedHosts%26Format%3DJSON%26RegionId%3Dcn-beijing%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dedb2b34af0af9a6d14deaf7c1a5315eb%26SignatureVersion%3D1.0%26Timestamp%3D2023-03-13T08%253A34%253A30Z%26Version%3D2014-05-26"));
        Assert.That(RpcSignature.Sign(sts, "testsecret"), Is.EqualTo("9NaGiOspFP5UPcwX8Iwt2YJXXuk="));
    }

    [Test]
    public void Sign_SdkVectorTvRpc5WithEmptyValues_MatchesSignatureAndStsVariant()
    {
        var p = P("AccessKeyId=accessKeyId", "Action=", "Format=JSON", "RegionId=regionId", "SignatureMethod=HMAC-SHA1",
            "SignatureNonce=MOCK_UUID", "SignatureType=", "SignatureVersion=1.0", "Timestamp=mock date", "Version=");
        var sts = RpcSignature.StringToSign("GET", p);
        Assert.That(sts, Is.EqualTo(
            "GET&%2F&AccessKeyId%3DaccessKeyId%26Action%3D%26Format%3DJSON%26RegionId%3DregionId%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3DMOCK_UUID%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3Dmock%2520date%26Version%3D"));
        Assert.That(RpcSignature.Sign(sts, "accessKeySecret"), Is.EqualTo("7loPmFjvDnzOVnQeQNj85S6nFGY="));

        p.Add(new("SecurityToken", "accessKeyStsToken"));
        Assert.That(RpcSignature.Sign(RpcSignature.StringToSign("GET", p), "accessKeySecret"), Is.EqualTo("5Nxdcler+ihqWqv0Hr2On4PsBf4="));
    }

    [Test]
    public void StringToSign_SdkEarlyCases_MatchSdkTest()
    {
        Assert.That(RpcSignature.StringToSign("GET", []), Is.EqualTo("GET&%2F&"));
        Assert.That(RpcSignature.StringToSign("GET", P("key=value")), Is.EqualTo("GET&%2F&key%3Dvalue"));
        Assert.That(RpcSignature.StringToSign("GET", P("key=value", "q=http://domain/?q=value&q2=value2")),
            Is.EqualTo("GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2"));
    }

    [Test]
    public void CanonicalQuery_UppercaseNames_SortOrdinallyBeforeLowercase()
    {
        var q = RpcSignature.CanonicalQuery(P("Version=1", "VSwitchId=v", "SecurityGroupIds.1=s", "SecondaryPrivateIpAddressCount=2"));
        Assert.That(q, Is.EqualTo("SecondaryPrivateIpAddressCount=2&SecurityGroupIds.1=s&VSwitchId=v&Version=1"));
    }

    [TestCase("a b*c~d", "a%20b%2Ac~d")]
    [TestCase("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z")]
    [TestCase("/", "%2F")]
    [TestCase("é", "%C3%A9")]
    [TestCase("a b*c~d!'()", "a%20b%2Ac~d%21%27%28%29")]
    [TestCase("+/=", "%2B%2F%3D")]
    public void Encode_ReferenceCases_MatchRfc3986Rules(string input, string expected) =>
        Assert.That(PercentEncoding.Encode(input), Is.EqualTo(expected));

    [TestCase("a%20b", "a b")]
    [TestCase("a+b", "a b")]
    [TestCase("%C3%A9", "é")]
    [TestCase("100%", "100%")]
    [TestCase("%zz", "%zz")]
    [TestCase("OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=")]
    public void Decode_FormComponents_DecodeLikeAServlet(string input, string expected) =>
        Assert.That(PercentEncoding.Decode(input), Is.EqualTo(expected));

    [Test]
    public void CanonicalRequest_OfficialVectorTvV31_MatchesDocumentAndSignature()
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>
        {
            ["host"] = ["ecs.cn-shanghai.aliyuncs.com"],
            ["x-acs-action"] = ["RunInstances"],
            ["x-acs-content-sha256"] = [AcsV3Signature.EmptyPayloadHash],
            ["x-acs-date"] = ["2023-10-26T10:22:32Z"],
            ["x-acs-signature-nonce"] = ["3156853299f313e23d1673dc12e1703d"],
            ["x-acs-version"] = ["2014-05-26"],
        };
        var signed = headers.Keys.ToList();
        var canonical = AcsV3Signature.CanonicalRequest("POST", "/",
            P("ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId=cn-shanghai"),
            headers, signed, AcsV3Signature.EmptyPayloadHash);
        Assert.That(canonical, Is.EqualTo(string.Join("\n",
            "POST",
            "/",
            "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
            "host:ecs.cn-shanghai.aliyuncs.com",
            "x-acs-action:RunInstances",
            "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "x-acs-date:2023-10-26T10:22:32Z",
            "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d",
            "x-acs-version:2014-05-26",
            "",
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")));
        var sts = AcsV3Signature.StringToSign(canonical);
        Assert.That(sts, Is.EqualTo("ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"));
        Assert.That(AcsV3Signature.Sign(sts, "YourAccessKeySecret"), Is.EqualTo("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"));
    }

    [Test]
    public void CanonicalRequest_SdkVectorTvV34_MergesHeaderSpellingsAndMatchesSignature()
    {
        var headers = new List<KeyValuePair<string, IReadOnlyList<string>>>
        {
            new("x-acs-test", ["http"]),
            new("x-acs-TEST", ["https"]),
        };
        var canonical = AcsV3Signature.CanonicalRequest(string.Empty, string.Empty, P("test=ok", "empty="), headers,
            ["x-acs-test"], "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23");
        Assert.That(canonical, Is.EqualTo("\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"));
        var sts = AcsV3Signature.StringToSign(canonical);
        Assert.That(sts, Is.EqualTo("ACS3-HMAC-SHA256\nde5b11a1e2e756c1d859871395fe0b6d47f2564e88a5477eb586c03c6fc105ff"));
        Assert.That(AcsV3Signature.Sign(sts, "secret"), Is.EqualTo("4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"));
    }

    [Test]
    public void TryParseAuthorization_TvV31Header_ReadsAllFields()
    {
        var ok = AcsV3Signature.TryParseAuthorization(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
            out var auth);
        Assert.That(ok, Is.True);
        Assert.That(auth.AccessKeyId, Is.EqualTo("YourAccessKeyId"));
        Assert.That(auth.SignedHeaders, Has.Count.EqualTo(6).And.Contains("x-acs-date"));
        Assert.That(auth.Signature, Does.StartWith("06563a9e"));
    }

    [TestCase("ACS3-HMAC-SHA256 Credential=a, SignedHeaders=host,Signature=x")]
    [TestCase("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=Host,Signature=x")]
    [TestCase("ACS3-HMAC-SHA256 Credential=a,Signature=x")]
    [TestCase("ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=x")]
    [TestCase("ACS3-HMAC-SHA256  Credential=a,SignedHeaders=host,Signature=x")]
    public void TryParseAuthorization_MalformedHeader_IsRejected(string header) =>
        Assert.That(AcsV3Signature.TryParseAuthorization(header, out _), Is.False);

    [Test]
    public void TestSigner_AgreesWithVerifierOnOfficialVector()
    {
        // The test-only signer used by the HTTP tests must itself reproduce the contract.
        Assert.That(Support.TestSigner.RpcSignature("GET", TvRpc1, "testsecret"), Is.EqualTo("OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
    }
}
