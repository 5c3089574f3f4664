using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Certificates;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.Hosting;
using Terway.Operator.Webhooks.State;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

/// <summary>AdmissionReviews posted to the in-process listener over TLS on loopback.</summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookServerHttpTests
{
    private static readonly CertificatePolicy Policy = new(TimeSpan.FromDays(3650), TimeSpan.FromDays(365), 2.0 / 3.0);
    private static readonly IReadOnlyList<string> Names = CertificateIssuer.ServingNames("svc", "ns", "cluster.local", ["127.0.0.1"]);

    private sealed class Certificates : IServingCertificateSource
    {
        private CertificateBundle _bundle = null!;

        public Certificates() => Rotate();

        public X509Certificate2 ServingCertificate { get; private set; } = null!;

        public string CaBundlePem => _bundle.CaCertificatesPem;

        public void Rotate()
        {
            _bundle = CertificatePlanner.Apply(CertificateAction.CreateAll, null, "svc-ca", Names, DateTimeOffset.UtcNow, Policy);
            ServingCertificate = X509Certificate2.CreateFromPem(_bundle.ServingCertificatePem, _bundle.ServingKeyPem);
        }
    }

    private sealed class FakeState : IAdmissionState
    {
        public List<V1Beta1PodNetworking> Networkings { get; } = [];

        public bool Fail { get; set; }

        public IReadOnlyList<V1Beta1PodNetworking> PodNetworkings() => Fail ? throw new InvalidOperationException("cache exploded") : Networkings;

        public ValueTask<IReadOnlyDictionary<string, string>> NamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

        public V1Beta1PodEni? PodEni(string @namespace, string name) => null;

        public Task WaitForSyncAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private Certificates _certificates = null!;
    private FakeState _state = null!;
    private WebhookServer _server = null!;
    private string _meterName = null!;

    [SetUp]
    public async Task Start()
    {
        _certificates = new Certificates();
        _state = new FakeState();
        _state.Networkings.Add(PodNetworking("pn-web", podSelector: MatchLabels(("app", "web")), zones: ["zone-a"]));
        _meterName = "Terway.Operator.Tests." + Guid.NewGuid().ToString("N");
        _server = await WebhookServer.StartListenerAsync(
            new WebhookOptions { BindAddress = "127.0.0.1", Port = 0 }, _state, _certificates, null, null, _meterName, null, null, default);
    }

    [TearDown]
    public async Task Stop() => await _server.DisposeAsync();

    private HttpClient Client(Version? version = null, Action<X509Certificate2>? seen = null)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(_certificates.CaBundlePem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    seen?.Invoke(leaf);
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = _server.BaseAddress, DefaultRequestVersion = version ?? HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }

    private static string Review(string kind, string group, string version, string operation, object obj, object? old = null, string uid = "uid-1") =>
        new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = kind },
                ["operation"] = operation,
                ["namespace"] = kind == "Pod" ? "apps" : null,
                ["name"] = "x",
                ["object"] = JsonNode.Parse(KubernetesJson.Serialize(obj)),
                ["oldObject"] = old is null ? null : JsonNode.Parse(KubernetesJson.Serialize(old)),
            },
        }.ToJsonString();

    private static async Task<JsonNode> PostAsync(HttpClient client, string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(path, content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Test]
    public async Task Mutating_MatchingPod_PatchedResponseWithUidEchoed()
    {
        using var client = Client();

        var review = await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod(), uid: "abc-123"));

        var response = review["response"]!;
        Assert.Multiple(() =>
        {
            Assert.That(review["apiVersion"]!.GetValue<string>(), Is.EqualTo("admission.k8s.io/v1"));
            Assert.That(response["uid"]!.GetValue<string>(), Is.EqualTo("abc-123"));
            Assert.That(response["allowed"]!.GetValue<bool>(), Is.True);
            Assert.That(response["patchType"]!.GetValue<string>(), Is.EqualTo("JSONPatch"));
            var patch = Encoding.UTF8.GetString(Convert.FromBase64String(response["patch"]!.GetValue<string>()));
            Assert.That(patch, Does.Contain("k8s.aliyun.com/pod-networking").And.Contain("aliyun/member-eni").And.Contain("topology.kubernetes.io/zone"));
        });
    }

    [Test]
    public async Task Mutating_OverHttp2_Served()
    {
        using var client = Client(HttpVersion.Version20);

        var review = await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod(hostNetwork: true)));

        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.True);
        Assert.That(review["response"]!["patch"], Is.Null);
    }

    [Test]
    public async Task Mutating_PodNetworkingWithoutGroups_FilledFromOptionsDefaultsOrLeft()
    {
        var pn = PodNetworking("pn-new");
        pn.Spec.SecurityGroupIds = null;
        using var client = Client();

        var review = await PostAsync(client, InstallNames.MutatingPath, Review("PodNetworking", "network.alibabacloud.com", "v1beta1", "CREATE", pn));

        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.True);
        Assert.That(review["response"]!["status"]!["message"]!.GetValue<string>(), Is.EqualTo("no cluster defaults to fill in"));
    }

    [Test]
    public async Task Validating_ElevenSecurityGroups_DeniedWith422AndMessage()
    {
        var pn = PodNetworking("pn-bad", podSelector: MatchLabels(("app", "x")), securityGroups: [.. Enumerable.Range(0, 11).Select(i => $"sg-{i}")]);
        using var client = Client();

        var review = await PostAsync(client, InstallNames.ValidatingPath, Review("PodNetworking", "network.alibabacloud.com", "v1beta1", "CREATE", pn));

        var response = review["response"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response["allowed"]!.GetValue<bool>(), Is.False);
            Assert.That(response["status"]!["code"]!.GetValue<int>(), Is.EqualTo(422));
            Assert.That(response["status"]!["message"]!.GetValue<string>(), Does.Contain("spec.securityGroupIDs").And.Contain("got 11"));
        });
    }

    [Test]
    public async Task Validating_UpdateChangingAllocation_AllowedWithWarning()
    {
        var old = PodNetworking("pn", podSelector: MatchLabels(("app", "x")), allocation: IPAllocTypes.Fixed);
        var updated = PodNetworking("pn", podSelector: MatchLabels(("app", "x")), allocation: IPAllocTypes.Elastic);
        using var client = Client();

        var review = await PostAsync(client, InstallNames.ValidatingPath, Review("PodNetworking", "network.alibabacloud.com", "v1beta1", "UPDATE", updated, old));

        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.True);
        Assert.That(review["response"]!["warnings"]![0]!.GetValue<string>(), Does.Contain("Fixed -> Elastic"));
    }

    [Test]
    public async Task Validating_OtherKinds_AllowedUntouched()
    {
        using var client = Client();

        var review = await PostAsync(client, InstallNames.ValidatingPath, Review("Pod", "", "v1", "CREATE", Pod()));

        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Mutating_ObjectThatDoesNotDecode_DeniedAsBadRequest()
    {
        var body = Review("Pod", "", "v1", "CREATE", new Dictionary<string, object> { ["spec"] = new Dictionary<string, object> { ["containers"] = "not-a-list" } });
        using var client = Client();

        var review = await PostAsync(client, InstallNames.MutatingPath, body);

        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.False);
        Assert.That(review["response"]!["status"]!["code"]!.GetValue<int>(), Is.EqualTo(400));
        Assert.That(review["response"]!["status"]!["message"]!.GetValue<string>(), Does.StartWith("cannot decode the Pod"));
    }

    [TestCase("")]
    [TestCase("{\"apiVersion\":")]
    [TestCase("{\"kind\":\"AdmissionReview\"}")]
    [TestCase("null")]
    public async Task Post_MalformedReview_400WithReasonAndServerKeepsServing(string body)
    {
        using var client = Client();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(InstallNames.MutatingPath, content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.Not.Empty);
        var review = await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod()));
        Assert.That(review["response"]!["allowed"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Post_HandlerFault_500SoTheFailurePolicyDecides()
    {
        _state.Fail = true;
        using var client = Client();
        using var content = new StringContent(Review("Pod", "", "v1", "CREATE", Pod()), Encoding.UTF8, "application/json");

        using var response = await client.PostAsync(InstallNames.MutatingPath, content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("cache exploded"), "internals stay in the log");
    }

    [Test]
    public async Task Routes_WrongMethodOrPath_405And404()
    {
        using var client = Client();

        using var get = await client.GetAsync(InstallNames.MutatingPath);
        using var unknown = await client.PostAsync("/convert", new StringContent("{}"));

        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Tls_CertificateRenewed_NewConnectionsGetTheNewOneWithoutRestart()
    {
        X509Certificate2? first = null;
        using (var client = Client(seen: c => first = c))
        {
            await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod()));
        }

        _certificates.Rotate();
        X509Certificate2? second = null;
        using (var client = Client(seen: c => second = c))
        {
            await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod()));
        }

        Assert.That(first!.Thumbprint, Is.Not.EqualTo(second!.Thumbprint));
        Assert.That(second.Thumbprint, Is.EqualTo(_certificates.ServingCertificate.Thumbprint));
    }

    [Test]
    public async Task Metrics_RequestsCountedByWebhookAndCode()
    {
        var counted = new List<(string Webhook, string Code)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == _meterName && instrument.Name == "controller_runtime_webhook_requests_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            lock (counted)
            {
                counted.Add((map["webhook"]!, map["code"]!));
            }
        });
        listener.Start();
        using var client = Client();

        await PostAsync(client, InstallNames.MutatingPath, Review("Pod", "", "v1", "CREATE", Pod()));
        using var bad = await client.PostAsync(InstallNames.ValidatingPath, new StringContent("nope"));

        lock (counted)
        {
            Assert.That(counted, Does.Contain((InstallNames.MutatingPath, "200")).And.Contain((InstallNames.ValidatingPath, "400")));
        }
    }
}
