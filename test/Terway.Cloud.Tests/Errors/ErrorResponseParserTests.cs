using System.Text;
using Terway.Cloud.Errors;

namespace Terway.Cloud.Tests.Errors;

[TestFixture]
public sealed class ErrorResponseParserTests
{
    [Test]
    public void Parse_JsonBody_ReadsAllFields()
    {
        var body = ErrorResponseParser.Parse("""{"RequestId":"540CFF28","HostId":"ecs.aliyuncs.com","Code":"MissingParameter.CommandId","Message":"m","Recommend":"https://x"}"""u8);

        Assert.That(body, Is.EqualTo(new ErrorBody("MissingParameter.CommandId", "m", "540CFF28", "ecs.aliyuncs.com", "https://x")));
    }

    [Test]
    public void Parse_LowercaseCodeField_FallsBack()
    {
        Assert.That(ErrorResponseParser.Parse("""{"code":"Throttling","message":"slow down"}"""u8).Code, Is.EqualTo("Throttling"));
    }

    [Test]
    public void Parse_XmlErrorBody_ReadsAllFields()
    {
        var xml = """<?xml version="1.0" encoding="UTF-8"?><Error><RequestId>R1</RequestId><HostId>ecs.aliyuncs.com</HostId><Code>Throttling.User</Code><Message>Request was denied due to user flow control.</Message></Error>""";

        var body = ErrorResponseParser.Parse(Encoding.UTF8.GetBytes(xml));

        Assert.That(body, Is.EqualTo(new ErrorBody("Throttling.User", "Request was denied due to user flow control.", "R1", "ecs.aliyuncs.com", null)));
    }

    [TestCase("<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>")]
    [TestCase("{\"Code\":\"Thrott")]
    [TestCase("<Error><Code>Thr")]
    [TestCase("not json at all")]
    [TestCase("")]
    [TestCase("[1,2,3]")]
    [TestCase("<!DOCTYPE html [<!ENTITY x \"y\">]><html>&x;</html>")]
    public void Parse_BrokenOrForeignBody_ReturnsNoCodeWithoutThrowing(string text)
    {
        var body = ErrorResponseParser.Parse(Encoding.UTF8.GetBytes(text));

        Assert.That(body.Code, Is.Null);
    }

    [TestCase("Limit:1,Remain:0,TimeLeft:2000,Reset:1234", null, 2000)]
    [TestCase("Limit:1,Remain:0,TimeLeft:2000,Reset:1234", "Limit:5,Remain:0,TimeLeft:3500,Reset:9", 3500)]
    [TestCase(null, "TimeLeft:700", 700)]
    [TestCase("Limit:1,Remain:0", null, null)]
    [TestCase("garbage", "TimeLeft:abc", null)]
    public void RetryAfter_RateLimitHeaders_TakesLargerTimeLeft(string? userApi, string? user, int? expectedMs)
    {
        var hint = ErrorResponseParser.RetryAfter(userApi, user);

        Assert.That(hint, Is.EqualTo(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null));
    }
}
