using Terway.Cloud.Signing;

namespace Terway.Cloud.Tests.Signing;

[TestFixture]
public sealed class RpcSignatureTests
{
    private static KeyValuePair<string, string> P(string k, string v) => new(k, v);

    [Test]
    public void Sign_OfficialVectorTvRpc1_MatchesExpectedSignature()
    {
        KeyValuePair<string, string>[] parameters =
        [
            P("AccessKeyId", "testid"),
            P("Action", "DescribeRegions"),
            P("Format", "XML"),
            P("SignatureMethod", "HMAC-SHA1"),
            P("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            P("SignatureVersion", "1.0"),
            P("Timestamp", "2016-02-23T12:46:24Z"),
            P("Version", "2014-05-26"),
        ];

        var canonical = RpcSignature.CanonicalQuery(parameters);
        var stringToSign = RpcSignature.StringToSign("GET", canonical);

        Assert.That(canonical, Is.EqualTo("AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26"));
        Assert.That(stringToSign, Is.EqualTo("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"));
        var signature = RpcSignature.Sign(stringToSign, "testsecret");
        Assert.That(signature, Is.EqualTo("OLeaidS1JvxuMvnyHOwuJ+uX5qY="));
        Assert.That(PercentEncoder.Encode(signature), Is.EqualTo("OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"));
    }

    [Test]
    public void Sign_TvRpc1WithMisspelledTimeStamp_GivesTheDocTrapValue()
    {
        KeyValuePair<string, string>[] parameters =
        [
            P("AccessKeyId", "testid"), P("Action", "DescribeRegions"), P("Format", "XML"), P("SignatureMethod", "HMAC-SHA1"),
            P("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"), P("SignatureVersion", "1.0"),
            P("TimeStamp", "2016-02-23T12:46:24Z"), P("Version", "2014-05-26"),
        ];

        var signature = RpcSignature.Sign(RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery(parameters)), "testsecret");

        Assert.That(signature, Is.EqualTo("CT9X0VtwR86fNWSnsc6v8YGOjuE="));
    }

    [Test]
    public void Sign_OfficialVectorTvRpc2_MatchesExpectedSignature()
    {
        KeyValuePair<string, string>[] parameters =
        [
            P("SignatureNonce", "edb2b34af0af9a6d14deaf7c1a5315eb"),
            P("Action", "DescribeDedicatedHosts"),
            P("RegionId", "cn-beijing"),
            P("AccessKeyId", "testid"),
            P("Format", "JSON"),
            P("SignatureMethod", "HMAC-SHA1"),
            P("SignatureVersion", "1.0"),
            P("Timestamp", "2023-03-13T08:34:30Z"),
            P("Version", "2014-05-26"),
        ];

        var canonical = RpcSignature.CanonicalQuery(parameters);
        var stringToSign = RpcSignature.StringToSign("GET", canonical);

        Assert.That(canonical, Is.EqualTo("AccessKeyId=testid&Action=DescribeDedicatedHosts&Format=JSON&RegionId=cn-beijing&SignatureMethod=HMAC-SHA1&SignatureNonce=edb2b34af0af9a6d14deaf7c1a5315eb&SignatureVersion=1.0&Timestamp=2023-03-13T08%3A34%3A30Z&Version=2014-05-26"));
        Assert.That(stringToSign, Is.EqualTo("GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeDedicatedHosts%26Format%3DJSON%26RegionId%3Dcn-beijing%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dedb2b34af0af9a6d14deaf7c1a5315eb%26SignatureVersion%3D1.0%26Timestamp%3D2023-03-13T08%253A34%253A30Z%26Version%3D2014-05-26"));
        Assert.That(RpcSignature.Sign(stringToSign, "testsecret"), Is.EqualTo("9NaGiOspFP5UPcwX8Iwt2YJXXuk="));
    }

    private static List<KeyValuePair<string, string>> TvRpc5Params() =>
    [
        P("AccessKeyId", "accessKeyId"),
        P("Action", string.Empty),
        P("Format", "JSON"),
        P("RegionId", "regionId"),
        P("SignatureMethod", "HMAC-SHA1"),
        P("SignatureNonce", "MOCK_UUID"),
        P("SignatureType", string.Empty),
        P("SignatureVersion", "1.0"),
        P("Timestamp", "mock date"),
        P("Version", string.Empty),
    ];

    [Test]
    public void Sign_SdkVectorTvRpc5EmptyValues_MatchesExpectedSignature()
    {
        var stringToSign = RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery(TvRpc5Params()));

        Assert.That(stringToSign, Is.EqualTo("GET&%2F&AccessKeyId%3DaccessKeyId%26Action%3D%26Format%3DJSON%26RegionId%3DregionId%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3DMOCK_UUID%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3Dmock%2520date%26Version%3D"));
        Assert.That(RpcSignature.Sign(stringToSign, "accessKeySecret"), Is.EqualTo("7loPmFjvDnzOVnQeQNj85S6nFGY="));
    }

    [Test]
    public void Sign_SdkVectorTvRpc5WithSecurityToken_MatchesExpectedSignature()
    {
        var parameters = TvRpc5Params();
        parameters.Add(P("SecurityToken", "accessKeyStsToken"));

        var stringToSign = RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery(parameters));

        Assert.That(stringToSign, Does.Contain("%26SecurityToken%3DaccessKeyStsToken%26SignatureMethod"));
        Assert.That(RpcSignature.Sign(stringToSign, "accessKeySecret"), Is.EqualTo("5Nxdcler+ihqWqv0Hr2On4PsBf4="));
    }

    [Test]
    public void StringToSign_SdkEarlierCases_MatchExpectedStrings()
    {
        Assert.That(RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery([])), Is.EqualTo("GET&%2F&"));
        Assert.That(RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery([P("key", "value")])), Is.EqualTo("GET&%2F&key%3Dvalue"));
        Assert.That(
            RpcSignature.StringToSign("GET", RpcSignature.CanonicalQuery([P("key", "value"), P("q", "http://domain/?q=value&q2=value2")])),
            Is.EqualTo("GET&%2F&key%3Dvalue%26q%3Dhttp%253A%252F%252Fdomain%252F%253Fq%253Dvalue%2526q2%253Dvalue2"));
    }

    [Test]
    public void CanonicalQuery_SignatureParameterPresent_IsExcluded()
    {
        Assert.That(RpcSignature.CanonicalQuery([P("Signature", "x"), P("A", "1")]), Is.EqualTo("A=1"));
    }
}
