using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Tests;

/// <summary>The plugin's dispatch, in-process, against a scripted agent on a unix socket.</summary>
[TestFixture]
public sealed class PluginTests
{
    private string _dir = null!;

    [SetUp]
    public void Scratch()
    {
        _dir = Path.Combine(Path.GetTempPath(), "terway-plugin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    private string Socket => Path.Combine(_dir, "agent.sock");

    private string Conf(string version, string extra = "") =>
        $$"""{"cniVersion":"{{version}}","name":"net","type":"terway","agent_socket":"{{Socket}}","pending_release_dir":"{{_dir}}/pending","log_file":"{{_dir}}/log"{{extra}}}""";

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string command, string stdin, Dictionary<string, string>? env = null)
    {
        var vars = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = "c1",
            ["CNI_NETNS"] = "/var/run/netns/p",
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = "/opt/cni/bin",
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_UID=u1",
        };
        foreach (var (k, v) in env ?? [])
        {
            vars[k] = v;
        }

        using var input = new MemoryStream(Encoding.UTF8.GetBytes(stdin));
        using var output = new MemoryStream();
        using var error = new StringWriter();
        var exit = await Task.Run(() => new CniPlugin(k => vars.TryGetValue(k, out var v) ? v : null).Run(input, output, error));
        return (exit, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }

    /// <summary>Serves one connection: records the request, answers <paramref name="answer"/>.</summary>
    private async Task<AgentRequest> ServeOnceAsync(AgentResponse answer, Func<Task> client)
    {
        using var listener = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Socket));
        listener.Listen(1);
        var serve = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            await using var stream = new NetworkStream(peer);
            var frame = await AgentFraming.ReadFrameAsync(stream, CancellationToken.None);
            await AgentFraming.WriteFrameAsync(stream, JsonSerializer.SerializeToUtf8Bytes(answer, AgentJsonContext.Default.AgentResponse), CancellationToken.None);
            return JsonSerializer.Deserialize(frame, AgentJsonContext.Default.AgentRequest)!;
        });
        await client();
        return await serve;
    }

    private static CniResult AgentResult() => new()
    {
        Interfaces = [new CniInterface { Name = "eth0", Mac = "0e:00:00:00:00:01", Mtu = 1500, Sandbox = "/var/run/netns/p" }, new CniInterface { Name = "cali1", Mac = "0e:00:00:00:00:02", Mtu = 1500 }],
        IPs = [new CniIPConfig { Address = "10.0.0.5/32", Gateway = "169.254.1.1", Interface = 0 }],
        Routes = [new CniRoute { Dst = "0.0.0.0/0", Gateway = "169.254.1.1" }],
    };

    [Test]
    public async Task Add_ForwardsTheCallAndPrintsTheResultInTheRequestedVersion()
    {
        (int Exit, string Stdout, string Stderr) run = default;
        var request = await ServeOnceAsync(new AgentResponse { Result = AgentResult() }, async () => run = await RunAsync("ADD", Conf("0.4.0")));

        Assert.That(run.Exit, Is.Zero, run.Stdout);
        Assert.Multiple(() =>
        {
            Assert.That((request.Command, request.ContainerId, request.Netns, request.IfName, request.CniVersion, request.NetworkName),
                Is.EqualTo(("ADD", "c1", "/var/run/netns/p", "eth0", "0.4.0", "net")));
            Assert.That((request.Pod!.Namespace, request.Pod.Name, request.Pod.Uid), Is.EqualTo(("default", "web-0", "u1")));
            Assert.That(request.ProtocolVersion, Is.EqualTo(AgentProtocol.Version));
        });
        var json = JsonNode.Parse(run.Stdout!)!;
        Assert.That((string?)json["cniVersion"], Is.EqualTo("0.4.0"));
        Assert.That((string?)json["ips"]![0]!["version"], Is.EqualTo("4"));
        Assert.That(run.Stderr, Is.Empty, "nothing on stderr: logs go to the log file");
        Assert.That(File.ReadAllText(Path.Combine(_dir, "log")), Does.Contain("ADD cid=c1 if=eth0 pod=default/web-0: ok in"));
    }

    [Test]
    public async Task Add_AgentError_PrintedWithItsCode()
    {
        (int Exit, string Stdout, string Stderr) run = default;
        await ServeOnceAsync(new AgentResponse { Error = new CniErrorBody { Code = 103, Message = "PodENI used a different trunk", Details = "d" } },
            async () => run = await RunAsync("ADD", Conf("1.0.0")));

        Assert.That(run.Exit, Is.EqualTo(1));
        Assert.That(JsonNode.Parse(run.Stdout!)!.ToJsonString(), Is.EqualTo("""{"cniVersion":"1.0.0","code":103,"msg":"PodENI used a different trunk","details":"d"}"""));
    }

    [Test]
    public async Task Add_WithoutPodInArgs_Code4()
    {
        var run = await RunAsync("ADD", Conf("1.0.0"), new Dictionary<string, string> { ["CNI_ARGS"] = "IgnoreUnknown=1" });
        Assert.That((int?)JsonNode.Parse(run.Stdout)!["code"], Is.EqualTo(4));
        Assert.That((string?)JsonNode.Parse(run.Stdout)!["msg"], Is.EqualTo("CNI_ARGS lacks [K8S_POD_NAMESPACE K8S_POD_NAME]"));
    }

    [Test]
    public async Task Add_AgentUnreachable_Code11()
    {
        var run = await RunAsync("ADD", Conf("1.0.0"));
        Assert.That((int?)JsonNode.Parse(run.Stdout)!["code"], Is.EqualTo(11));
        Assert.That((string?)JsonNode.Parse(run.Stdout)!["msg"], Does.Contain("the socket does not exist"));
    }

    [Test]
    public async Task Del_AgentUnreachable_RecordsThePendingReleaseAndSucceeds()
    {
        var run = await RunAsync("DEL", Conf("1.0.0"), new Dictionary<string, string> { ["CNI_NETNS"] = "" });

        Assert.That(run.Exit, Is.Zero);
        Assert.That(run.Stdout, Is.Empty);
        var record = JsonSerializer.Deserialize(File.ReadAllBytes(Directory.GetFiles(Path.Combine(_dir, "pending")).Single()), AgentJsonContext.Default.PendingRelease)!;
        Assert.That((record.ContainerId, record.IfName, record.Netns, record.Pod!.Name), Is.EqualTo(("c1", "eth0", (string?)null, "web-0")));
    }

    [Test]
    public async Task Del_AgentAnswers_NothingRecorded()
    {
        (int Exit, string Stdout, string Stderr) run = default;
        var request = await ServeOnceAsync(new AgentResponse(), async () => run = await RunAsync("DEL", Conf("1.0.0")));
        Assert.That(run.Exit, Is.Zero);
        Assert.That(request.Command, Is.EqualTo("DEL"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "pending")), Is.False);
    }

    [Test]
    public async Task Check_SendsPrevResultAsExpected()
    {
        var conf = Conf("1.0.0", ""","prevResult":{"interfaces":[{"name":"eth0","sandbox":"/var/run/netns/p"}],"ips":[{"address":"10.0.0.5/32","interface":0}]}""");
        (int Exit, string Stdout, string Stderr) run = default;
        var request = await ServeOnceAsync(new AgentResponse(), async () => run = await RunAsync("CHECK", conf));
        Assert.That(run.Exit, Is.Zero, run.Stdout);
        Assert.That(request.Expected!.IPs.Single().Address, Is.EqualTo("10.0.0.5/32"));
    }

    [Test]
    public async Task Status_AgentUnreachable_Code50()
    {
        var run = await RunAsync("STATUS", Conf("1.1.0"));
        Assert.That((int?)JsonNode.Parse(run.Stdout)!["code"], Is.EqualTo(50));
    }

    [Test]
    public async Task Gc_ForwardsValidAttachments()
    {
        var conf = Conf("1.1.0", ""","cni.dev/valid-attachments":[{"containerID":"c9","ifname":"eth0"}]""");
        (int Exit, string Stdout, string Stderr) run = default;
        var request = await ServeOnceAsync(new AgentResponse(), async () => run = await RunAsync("GC", conf));
        Assert.That(run.Exit, Is.Zero, run.Stdout);
        Assert.That(request.ValidAttachments!.Select(a => (a.ContainerId, a.IfName)), Is.EqualTo(new[] { ("c9", "eth0") }));
    }

    [Test]
    public async Task Add_AgentAnswersGarbage_Code106()
    {
        using var listener = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Socket));
        listener.Listen(1);
        var serve = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            await using var stream = new NetworkStream(peer);
            await AgentFraming.ReadFrameAsync(stream, CancellationToken.None);
            await AgentFraming.WriteFrameAsync(stream, "not json"u8.ToArray(), CancellationToken.None);
        });
        var run = await RunAsync("ADD", Conf("1.0.0"));
        await serve;
        Assert.That((int?)JsonNode.Parse(run.Stdout)!["code"], Is.EqualTo(106));
    }

    [Test]
    public async Task UnsupportedVersion_ErrorAnsweredInLatest()
    {
        var run = await RunAsync("ADD", Conf("0.1.0"));
        Assert.That(JsonNode.Parse(run.Stdout)!["cniVersion"]!.GetValue<string>(), Is.EqualTo("1.1.0"));
        Assert.That((int?)JsonNode.Parse(run.Stdout!)!["code"], Is.EqualTo(1));
    }
}
