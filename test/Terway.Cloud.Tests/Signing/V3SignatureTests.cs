using Terway.Cloud.Signing;

namespace Terway.Cloud.Tests.Signing;

[TestFixture]
public sealed class V3SignatureTests
{
    private static KeyValuePair<string, string> P(string k, string v) => new(k, v);

    [Test]
    public void Sign_OfficialVectorTvV3_1_MatchesCanonicalRequestAndSignature()
    {
        var (canonical, signed) = V3Signature.CanonicalRequest(
            "POST",
            "/",
            [P("RegionId", "cn-shanghai"), P("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")],
            [
                P("host", "ecs.cn-shanghai.aliyuncs.com"),
                P("x-acs-action", "RunInstances"),
                P("x-acs-version", "2014-05-26"),
                P("x-acs-date", "2023-10-26T10:22:32Z"),
                P("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
                P("x-acs-content-sha256", V3Signature.EmptyPayloadHash),
                P("accept", "application/json"),
            ],
            V3Signature.EmptyPayloadHash);

        const string Expected = "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
            + "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n"
            + "x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            + "x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\n"
            + "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n"
            + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        Assert.That(canonical, Is.EqualTo(Expected));
        Assert.That(V3Signature.HashHex(canonical), Is.EqualTo("7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"));
        var stringToSign = V3Signature.StringToSign(canonical);
        Assert.That(stringToSign, Is.EqualTo("ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"));
        var signature = V3Signature.Sign(stringToSign, "YourAccessKeySecret");
        Assert.That(signature, Is.EqualTo("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"));
        Assert.That(
            V3Signature.Authorization("YourAccessKeyId", signed, signature),
            Is.EqualTo("ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"));
    }

    [Test]
    public void Sign_SdkVectorTvV3_4_MergesHeaderSpellingsAndMatches()
    {
        var (canonical, signed) = V3Signature.CanonicalRequest(
            string.Empty,
            string.Empty,
            [P("test", "ok"), P("empty", string.Empty)],
            [P("x-acs-test", "http"), P("x-acs-TEST", "https")],
            "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23");

        Assert.That(canonical, Is.EqualTo("\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"));
        Assert.That(V3Signature.HashHex(canonical), Is.EqualTo("de5b11a1e2e756c1d859871395fe0b6d47f2564e88a5477eb586c03c6fc105ff"));
        var signature = V3Signature.Sign(V3Signature.StringToSign(canonical), "secret");
        Assert.That(
            V3Signature.Authorization("acesskey", signed, signature),
            Is.EqualTo("ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"));
    }

    [Test]
    public void HashHex_EmptyBody_IsTheDocumentedEmptyHash()
    {
        Assert.That(V3Signature.HashHex(string.Empty), Is.EqualTo(V3Signature.EmptyPayloadHash));
    }
}
