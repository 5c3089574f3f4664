using System.Net;
using System.Xml.Linq;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Http;

/// <summary>Raw signed HTTP requests against a running simulator on loopback.</summary>
[TestFixture]
public sealed class HttpApiTests
{
    private RegionSimulator _sim = null!;
    private HttpClient _http = null!;
    private SimClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.Knobs.WithInstantTransitions();
        options.AccessKeys.Add(new AccessKeyDefinition { AccessKeyId = "STS.sandbox", AccessKeySecret = "sts-secret", SecurityToken = "sts-token" });
        _sim = await RegionSimulator.StartAsync(options);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _client = new SimClient(_http, _sim.Endpoint, "testid", "testsecret", TimeProvider.System);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    [Test]
    public void Start_DefaultOptions_BindsLoopbackEphemeralPort()
    {
        Assert.That(_sim.Endpoint.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(_sim.Endpoint.Port, Is.GreaterThan(0));
        Assert.That(_sim.DefaultCredential.AccessKeyId, Is.EqualTo("testid"));
        Assert.That(_sim.RegionId, Is.EqualTo("cn-hangzhou"));
    }

    [TestCase("GET", false)]
    [TestCase("POST", false)]
    [TestCase("POST", true)]
    public async Task Rpc_AllPlacements_Succeed(string method, bool formBody)
    {
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou"), ("VpcId", Ids.Vpc)], method, formBody: formBody);
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Body);
        Assert.That(r.ContentType, Is.EqualTo("application/json"));
        Assert.That(r["TotalCount"].GetValue<int>(), Is.EqualTo(2));
        Assert.That(r.Headers.GetValues("x-acs-request-id").Single(), Is.EqualTo(r["RequestId"].GetValue<string>()));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task V3_QueryOrFormBody_Succeeds(bool formBody)
    {
        var r = await _client.V3Async("DescribeNetworkInterfaces", SimClient.Ecs, [("RegionId", "cn-hangzhou"), ("InstanceId", Ids.Node1)], formBody);
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Body);
        Assert.That(r["NetworkInterfaceSets"]["NetworkInterfaceSet"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task V3_WithRegionalEndpointHost_Succeeds()
    {
        var r = await _client.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], host: "vpc-vpc.cn-hangzhou.aliyuncs.com");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Body);
    }

    [Test]
    public async Task V3_StsCredential_NeedsItsToken()
    {
        var sts = new SimClient(_http, _sim.Endpoint, "STS.sandbox", "sts-secret", TimeProvider.System);
        var missing = await sts.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")]);
        Assert.That((missing.Status, missing.Code), Is.EqualTo((HttpStatusCode.BadRequest, "MissingSecurityToken")));
        sts.SecurityToken = "sts-token";
        var ok = await sts.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")]);
        Assert.That(ok.Status, Is.EqualTo(HttpStatusCode.OK), ok.Body);
        var rpc = await sts.VpcAsync("DescribeVSwitches");
        Assert.That(rpc.Status, Is.EqualTo(HttpStatusCode.OK), rpc.Body);
    }

    [Test]
    public async Task Error_BodyHasExactlyTheCloudsFields()
    {
        var r = await _client.EcsAsync("DeleteNetworkInterface", ("NetworkInterfaceId", "eni-doesnotexist"));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(r.Json!.Select(p => p.Key), Is.EqualTo(new[] { "RequestId", "HostId", "Code", "Message", "Recommend" }));
        Assert.That(r.Code, Is.EqualTo("InvalidEniId.NotFound"));
        Assert.That(r["HostId"].GetValue<string>(), Is.EqualTo("ecs.cn-hangzhou.aliyuncs.com"));
        Assert.That(r["Recommend"].GetValue<string>(), Does.StartWith("https://api.aliyun.com/troubleshoot?q=InvalidEniId.NotFound&product=Ecs"));
        Assert.That(r.Body, Does.Contain("&product="), "no HTML escaping of &");
    }

    [Test]
    public async Task Signature_TamperedAfterSigning_IsSignatureDoesNotMatchWithServerStringToSign()
    {
        string? expectedStringToSign = null;
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], method: "GET",
            afterSign: p =>
            {
                p["RegionId"] = "cn-beijing";
                expectedStringToSign = "GET&%2F&" + TestSigner.Encode(TestSigner.CanonicalQuery(p.Where(x => x.Key != "Signature")));
            });
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "SignatureDoesNotMatch")));
        Assert.That(r.Message, Is.EqualTo("Specified signature is not matched with our calculation. server string to sign is:" + expectedStringToSign));
    }

    [Test]
    public async Task Signature_WrongSecret_IsRejected()
    {
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], signWithSecret: "nope");
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "SignatureDoesNotMatch")));
    }

    [Test]
    public async Task Signature_LiteralPlusInQuery_IsASpaceToTheServer()
    {
        var p = new Dictionary<string, string>
        {
            ["Action"] = "CreateNetworkInterface", ["Version"] = SimClient.Ecs, ["Format"] = "JSON", ["AccessKeyId"] = "testid",
            ["SignatureMethod"] = "HMAC-SHA1", ["SignatureVersion"] = "1.0", ["SignatureNonce"] = _client.NewNonce(), ["Timestamp"] = _client.Now(),
            ["RegionId"] = "cn-hangzhou", ["VSwitchId"] = Ids.VSwitchH, ["SecurityGroupId"] = Ids.SgPods, ["Description"] = "a+b",
        };
        string Query(Dictionary<string, string> x, string description) =>
            string.Join("&", x.Where(kv => kv.Key != "Description").Select(kv => TestSigner.Encode(kv.Key) + "=" + TestSigner.Encode(kv.Value)))
            + "&Description=" + description;

        // Signed "a+b" but sent the '+' unencoded: the server reads "a b" and its signature differs.
        p["Signature"] = TestSigner.RpcSignature("GET", p, "testsecret");
        var wrong = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_sim.Endpoint, "/?" + Query(p, "a+b"))));
        Assert.That(wrong.Code, Is.EqualTo("SignatureDoesNotMatch"));

        // Signed "a b" and sent it as form-style "a+b": that is a space, and the signature holds.
        p["Description"] = "a b";
        p["SignatureNonce"] = _client.NewNonce();
        p.Remove("Signature");
        p["Signature"] = TestSigner.RpcSignature("GET", p, "testsecret");
        var right = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_sim.Endpoint, "/?" + Query(p, "a+b"))));
        Assert.That(right.Status, Is.EqualTo(HttpStatusCode.OK), right.Body);
        Assert.That(right["NetworkInterfaceId"].GetValue<string>(), Does.StartWith("eni-"));
        Assert.That(_sim.Snapshot().FindEni(right["NetworkInterfaceId"].GetValue<string>())!.Description, Is.EqualTo("a b"));
    }

    [Test]
    public async Task Timestamp_Expired_IsRejected()
    {
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")],
            tamper: p => p["Timestamp"] = DateTime.UtcNow.AddMinutes(-20).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "InvalidTimeStamp.Expired")));
    }

    [Test]
    public async Task Nonce_Reused_IsRejected()
    {
        var nonce = _client.NewNonce();
        var first = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], tamper: p => p["SignatureNonce"] = nonce);
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK));
        var second = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], tamper: p => p["SignatureNonce"] = nonce);
        Assert.That((second.Status, second.Code), Is.EqualTo((HttpStatusCode.BadRequest, "SignatureNonceUsed")));
        var v3 = await _client.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], nonce: nonce);
        Assert.That(v3.Code, Is.EqualTo("SignatureNonceUsed"), "one nonce space for both algorithms");
    }

    [Test]
    public async Task AccessKey_Unknown_IsRejected()
    {
        var stranger = new SimClient(_http, _sim.Endpoint, "nobody", "x", TimeProvider.System);
        var r = await stranger.VpcAsync("DescribeVSwitches");
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "InvalidAccessKeyId.NotFound")));
        var v3 = await stranger.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")]);
        Assert.That(v3.Code, Is.EqualTo("InvalidAccessKeyId.NotFound"));
    }

    [Test]
    public async Task V3_BodyChangedInTransit_IsRejected()
    {
        var r = await _client.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], formBody: true,
            tamperBody: b => [.. b, .. "&VpcId=x"u8.ToArray()]);
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "SignatureDoesNotMatch")));
    }

    [Test]
    public async Task V3_MissingNonceHeader_IsMissingParameter()
    {
        var r = await _client.V3Async("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")],
            tamperHeaders: h => h.Remove("x-acs-signature-nonce"));
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "MissingParameter")));
    }

    [Test]
    public async Task Action_Unknown_IsInvalidActionNotFound404()
    {
        var r = await _client.EcsAsync("RunInstances");
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.NotFound, "InvalidAction.NotFound")));
        var wrongProduct = await _client.RpcAsync("DescribeVSwitches", SimClient.Ecs, [("RegionId", "cn-hangzhou")]);
        Assert.That(wrongProduct.Code, Is.EqualTo("InvalidAction.NotFound"), "a VPC action at the ECS version");
    }

    [Test]
    public async Task Version_Unknown_IsInvalidVersion()
    {
        var r = await _client.RpcAsync("DescribeVSwitches", "2099-01-01", [("RegionId", "cn-hangzhou")]);
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "InvalidVersion")));
        var pinned = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], host: "ecs-vpc.cn-hangzhou.aliyuncs.com");
        Assert.That(pinned.Code, Is.EqualTo("InvalidVersion"), "the ECS endpoint does not serve the VPC version");
        var ok = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], host: "vpc.aliyuncs.com");
        Assert.That(ok.Status, Is.EqualTo(HttpStatusCode.OK), ok.Body);
    }

    [Test]
    public async Task Host_OtherRegionEndpoint_IsNotSupported()
    {
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], host: "vpc.cn-beijing.aliyuncs.com");
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "NotSupportedEndpoint")));
    }

    [Test]
    public async Task PathOrMethod_Other_IsInvalidActionNotFound()
    {
        var path = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_sim.Endpoint, "/v1/ecs")));
        Assert.That((path.Status, path.Code), Is.EqualTo((HttpStatusCode.NotFound, "InvalidAction.NotFound")));
        var put = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], method: "PUT");
        Assert.That((put.Status, put.Code), Is.EqualTo((HttpStatusCode.NotFound, "InvalidAction.NotFound")));
    }

    [Test]
    public async Task MissingCommonParameter_IsMissingParameter()
    {
        var r = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], tamper: p => p.Remove("SignatureNonce"));
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.BadRequest, "MissingParameter")));
        Assert.That(r.Message, Does.Contain("SignatureNonce"));
    }

    [Test]
    public async Task Format_XmlOrEcsDefault_AnswersXml()
    {
        var xml = await _client.RpcAsync("DescribeNetworkInterfaces", SimClient.Ecs, [("RegionId", "cn-hangzhou"), ("InstanceId", Ids.Node1)], format: "XML");
        Assert.That(xml.ContentType, Is.EqualTo("text/xml"));
        var doc = XDocument.Parse(xml.Body);
        Assert.That(doc.Root!.Name.LocalName, Is.EqualTo("DescribeNetworkInterfacesResponse"));
        Assert.That(doc.Root.Element("NetworkInterfaceSets")!.Elements("NetworkInterfaceSet").Single().Element("Type")!.Value, Is.EqualTo("Primary"));
        Assert.That(doc.Root.Descendants("Primary").First().Value, Is.EqualTo("true"));

        var ecsDefault = await _client.RpcAsync("DescribeInstanceTypes", SimClient.Ecs, [("RegionId", "cn-hangzhou")], format: null);
        Assert.That(ecsDefault.ContentType, Is.EqualTo("text/xml"));
        var vpcDefault = await _client.RpcAsync("DescribeVSwitches", SimClient.Vpc, [("RegionId", "cn-hangzhou")], format: null);
        Assert.That(vpcDefault.ContentType, Is.EqualTo("application/json"));

        var error = await _client.RpcAsync("DeleteNetworkInterface", SimClient.Ecs, [("RegionId", "cn-hangzhou"), ("NetworkInterfaceId", "eni-x")], format: "XML");
        var err = XDocument.Parse(error.Body).Root!;
        Assert.That(err.Name.LocalName, Is.EqualTo("Error"));
        Assert.That(err.Element("Code")!.Value, Is.EqualTo("InvalidEniId.NotFound"));
    }

    [Test]
    public async Task EniLifecycle_OverHttp_WorksEndToEnd()
    {
        var trunk = await _client.EcsAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchI), ("SecurityGroupIds.1", Ids.SgPods), ("InstanceType", "Trunk"));
        Assert.That(trunk.Status, Is.EqualTo(HttpStatusCode.OK), trunk.Body);
        var trunkId = trunk["NetworkInterfaceId"].GetValue<string>();
        Assert.That((await _client.EcsAsync("AttachNetworkInterface", ("InstanceId", Ids.Node3), ("NetworkInterfaceId", trunkId))).Status, Is.EqualTo(HttpStatusCode.OK));

        var member = (await _client.EcsAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchI), ("SecurityGroupId", Ids.SgPods)))["NetworkInterfaceId"].GetValue<string>();
        var attach = await _client.EcsAsync("AttachNetworkInterface", ("InstanceId", Ids.Node3), ("NetworkInterfaceId", member), ("TrunkNetworkInstanceId", trunkId));
        Assert.That(attach.Json!.Select(p => p.Key), Is.EqualTo(new[] { "RequestId" }), "Attach answers with RequestId only");

        var described = await _client.EcsAsync("DescribeNetworkInterfaces", ("NetworkInterfaceId.1", member));
        var set = described["NetworkInterfaceSets"]["NetworkInterfaceSet"]![0]!;
        Assert.That(set["Type"]!.GetValue<string>(), Is.EqualTo("Member"));
        Assert.That(set["Attachment"]!["TrunkNetworkInterfaceId"]!.GetValue<string>(), Is.EqualTo(trunkId));

        var linked = await _client.EcsAsync("DetachNetworkInterface", ("InstanceId", Ids.Node3), ("NetworkInterfaceId", trunkId));
        Assert.That((linked.Status, linked.Code), Is.EqualTo((HttpStatusCode.Forbidden, "InvalidOperation.EniLinked")));
        await _client.EcsAsync("DetachNetworkInterface", ("InstanceId", Ids.Node3), ("NetworkInterfaceId", member), ("TrunkNetworkInstanceId", trunkId));
        var deleted = await _client.EcsAsync("DeleteNetworkInterface", ("NetworkInterfaceId", member));
        Assert.That(deleted.Status, Is.EqualTo(HttpStatusCode.OK), deleted.Body);

        var snapshot = _sim.Snapshot();
        Assert.That(snapshot.FindEni(member), Is.Null);
        Assert.That(snapshot.CountOf("AttachNetworkInterface"), Is.GreaterThanOrEqualTo(2));
        Assert.That(snapshot.Calls.Any(c => c.Action == "DetachNetworkInterface" && c.ErrorCode == "InvalidOperation.EniLinked" && c.HttpStatus == 403), Is.True);
    }

    [Test]
    public async Task StateDump_IsJsonWithoutSecrets()
    {
        using var response = await _http.GetAsync(_sim.StateDumpUri);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Contain("\"NetworkInterfaces\"").And.Contain(Ids.Node1).And.Contain("\"InUse\""));
        Assert.That(text, Does.Not.Contain("testsecret").And.Not.Contain("sts-secret").And.Not.Contain("sts-token"));
    }
}
