using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Terway.Sandbox.KubeApi;

namespace Terway.Sandbox.Tests.KubeApi;

/// <summary>A raw HTTP answer from the emulator.</summary>
public sealed record RawResponse(HttpStatusCode Status, JsonNode? Body, HttpResponseHeaders Headers, string Text)
{
    public JsonObject Json => Body as JsonObject ?? throw new InvalidOperationException("not a JSON object: " + Text);

    public string? Str(string key) => (string?)Json[key];
}

/// <summary>One emulator per test class, with a KubernetesClient and a raw HTTP client on the admin token.</summary>
public abstract class EmulatorFixture
{
    protected KubeApiEmulator Emulator { get; private set; } = null!;
    protected Kubernetes Client { get; private set; } = null!;
    private HttpClient _http = null!;

    protected virtual KubeApiEmulatorOptions Options => new();

    [OneTimeSetUp]
    public async Task StartEmulatorAsync()
    {
        Emulator = await KubeApiEmulator.StartAsync(Options);
        Client = new Kubernetes(Emulator.CreateClientConfiguration());
        _http = CreateHttpClient(Emulator.AdminToken);
    }

    [OneTimeTearDown]
    public async Task StopEmulatorAsync()
    {
        Client?.Dispose();
        _http?.Dispose();
        if (Emulator != null)
        {
            await Emulator.DisposeAsync();
        }
    }

    protected HttpClient CreateHttpClient(string? token, bool http2 = false)
    {
        var ca = X509CertificateLoader.LoadCertificate(Emulator.CaCertificate.RawData);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return cert != null && chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
        };
        var http = new HttpClient(handler) { BaseAddress = Emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (http2)
        {
            http.DefaultRequestVersion = HttpVersion.Version20;
            http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        if (token != null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    protected Task<RawResponse> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", string? accept = null) =>
        SendAsync(_http, method, path, body, contentType, accept);

    protected static async Task<RawResponse> SendAsync(HttpClient http, HttpMethod method, string path, string? body = null, string contentType = "application/json", string? accept = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body != null)
        {
            req.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            req.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept != null)
        {
            req.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var resp = await http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? node = null;
        try
        {
            node = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            node = null;
        }

        return new RawResponse(resp.StatusCode, node, resp.Headers, text);
    }

    protected Task<RawResponse> PostAsync(string path, string body) => SendAsync(HttpMethod.Post, path, body);

    protected Task<RawResponse> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);

    /// <summary>Creates a namespace with a unique name for one test.</summary>
    protected async Task<string> NewNamespaceAsync(string prefix = "t")
    {
        var name = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var r = await PostAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        return name;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes.</summary>
    protected static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return await condition();
    }

    protected static void AssertStatus(RawResponse r, int code, string reason, string? message = null)
    {
        Assert.That((int)r.Status, Is.EqualTo(code), r.Text);
        Assert.That(r.Str("kind"), Is.EqualTo("Status"), r.Text);
        Assert.That(r.Str("status"), Is.EqualTo("Failure"), r.Text);
        Assert.That(r.Str("reason"), Is.EqualTo(reason), r.Text);
        Assert.That((int?)r.Json["code"], Is.EqualTo(code), r.Text);
        if (message != null)
        {
            Assert.That(r.Str("message"), Is.EqualTo(message), r.Text);
        }
    }
}
