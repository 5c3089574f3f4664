using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Terway.NodeAgent.Tests.Cni.Support;

namespace Terway.NodeAgent.Tests.Cni;

/// <summary>
/// The published plugin binary on bad input and against an agent socket that accepts and never
/// answers: each case ends with the CNI error the specification asks for, on stdout, within the
/// configured deadline. No agent and no root needed.
/// </summary>
[TestFixture]
public sealed class PluginBinaryTests
{
    private string _shim = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task Publish()
    {
        _shim = await CniBinaries.ShimPathAsync();
    }

    [SetUp]
    public void Scratch()
    {
        _dir = Path.Combine(Path.GetTempPath(), "terway-plugin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void Clean() => Directory.Delete(_dir, recursive: true);

    [Test]
    public async Task NoCommand_PrintsAboutOnStderr()
    {
        var run = await ProcessRunner.RunAsync(_shim, [], clearEnvironment: true);
        Assert.That(run.ExitCode, Is.Zero);
        Assert.That(run.Stdout, Is.Empty);
        Assert.That(run.Stderr, Does.Contain("CNI terway plugin").And.Contain("1.1.0"));
    }

    [Test]
    public async Task Version_ListsSupportedVersionsInTheRequestedOne()
    {
        var run = await CniHarness.RunShimAsync(_shim, "VERSION", """{"cniVersion":"0.4.0"}""", ifName: null);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.That((string?)json["cniVersion"], Is.EqualTo("0.4.0"));
        Assert.That(json["supportedVersions"]!.AsArray().Select(v => (string?)v), Is.EqualTo(new[] { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" }));
    }

    [Test]
    public async Task Add_GarbageOnStdin_Code6()
    {
        var run = await CniHarness.RunShimAsync(_shim, "ADD", "{not json", "c1", "/var/run/netns/x", args: Args());
        AssertError(run, 6, "error decoding network configuration from stdin");
    }

    [Test]
    public async Task Add_MissingVariables_Code4NamingThem()
    {
        var run = await CniHarness.RunShimAsync(_shim, "ADD", Conf("1.0.0"), "c1", netns: null, ifName: null, args: Args());
        AssertError(run, 4, "required env variables [CNI_NETNS CNI_IFNAME] missing");
    }

    [Test]
    public async Task Add_UnsupportedField_Code2NamingKeyAndValue()
    {
        var conf = JsonNode.Parse(Conf("1.0.0"))!.AsObject();
        conf["ipam"] = new JsonObject { ["type"] = "host-local" };
        var run = await CniHarness.RunShimAsync(_shim, "ADD", conf.ToJsonString(), "c1", "/var/run/netns/x", args: Args());
        AssertError(run, 2, """unsupported field ipam={"type":"host-local"}""");
    }

    [Test]
    public async Task Add_UnknownPluginKey_Accepted()
    {
        // Plugin-specific keys pass (the spec lets them; Terway's own 10-terway.conf keys are one example):
        // the call gets past parsing and fails only because no agent is listening.
        var conf = JsonNode.Parse(Conf("1.0.0"))!.AsObject();
        conf["eniip_virtual_type"] = "IPVlan";
        var run = await CniHarness.RunShimAsync(_shim, "ADD", conf.ToJsonString(), "c1", "/var/run/netns/x", args: Args());
        AssertError(run, 11, "node agent not reachable");
    }

    [Test]
    public async Task Add_UnknownCniArgWithoutIgnoreUnknown_Code4()
    {
        var run = await CniHarness.RunShimAsync(_shim, "ADD", Conf("1.0.0"), "c1", "/var/run/netns/x", args: "K8S_POD_NAMESPACE=d;K8S_POD_NAME=p;FOO=bar");
        AssertError(run, 4, "CNI_ARGS: unknown args [\"FOO\"]");

        var ignored = await CniHarness.RunShimAsync(_shim, "ADD", Conf("1.0.0"), "c1", "/var/run/netns/x", args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=d;K8S_POD_NAME=p;FOO=bar");
        AssertError(ignored, 11, "node agent not reachable");
    }

    [TestCase("ADD", "0.2.0")]
    [TestCase("CHECK", "0.3.1")]
    [TestCase("GC", "1.0.0")]
    public async Task Command_VersionNotAllowingIt_Code1(string command, string version)
    {
        var run = await CniHarness.RunShimAsync(_shim, command, Conf(version), "c1", "/var/run/netns/x", args: Args());
        AssertError(run, 1, command == "ADD" ? "incompatible CNI versions" : $"config version does not allow {command}");
    }

    [Test]
    public async Task Socket_AcceptsButNeverAnswers_ErrorsWithinTheDeadlineAndDelIsRecorded()
    {
        var socketPath = Path.Combine(_dir, "silent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(16);
        var held = new List<Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    held.Add(await listener.AcceptAsync(stop.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        var extra = new JsonObject
        {
            ["agent_socket"] = socketPath,
            ["add_timeout"] = "1s",
            ["del_timeout"] = "1s",
            ["check_timeout"] = "1s",
            ["status_timeout"] = "1s",
            ["pending_release_dir"] = Path.Combine(_dir, "pending"),
        };

        var add = await CniHarness.RunShimAsync(_shim, "ADD", Conf("1.0.0", extra), "c1", "/var/run/netns/x", args: Args());
        AssertError(add, 11, "did not answer ADD within 1s");
        Assert.That(add.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));

        var check = await CniHarness.RunShimAsync(_shim, "CHECK", Conf("1.0.0", extra), "c1", "/var/run/netns/x", args: Args());
        AssertError(check, 11, "did not answer CHECK within 1s");

        var status = await CniHarness.RunShimAsync(_shim, "STATUS", Conf("1.1.0", extra), ifName: null);
        AssertError(status, 50, "did not answer STATUS within 1s");
        Assert.That(status.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));

        var watch = Stopwatch.StartNew();
        var del = await CniHarness.RunShimAsync(_shim, "DEL", Conf("1.0.0", extra), "c1", "/var/run/netns/x", args: Args());
        Assert.That(del.ExitCode, Is.Zero, "DEL always succeeds: " + del);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        var record = Directory.GetFiles(Path.Combine(_dir, "pending")).Single();
        var json = JsonNode.Parse(await File.ReadAllTextAsync(record))!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)json["containerID"], Is.EqualTo("c1"));
            Assert.That((string?)json["ifName"], Is.EqualTo("eth0"));
            Assert.That((string?)json["pod"]!["name"], Is.EqualTo("p"));
            Assert.That((string?)json["reason"], Does.Contain("did not answer DEL"));
        });

        await stop.CancelAsync();
        await accepting;
        held.ForEach(s => s.Dispose());
    }

    private static void AssertError(ProcessOutcome run, int code, string message)
    {
        Assert.That(run.ExitCode, Is.EqualTo(1), run.ToString());
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Multiple(() =>
        {
            Assert.That((int?)json["code"], Is.EqualTo(code), run.ToString());
            Assert.That((string?)json["msg"], Does.Contain(message));
            Assert.That((string?)json["cniVersion"], Is.Not.Null.And.Not.Empty);
        });
    }

    private string Conf(string version, JsonObject? extra = null)
    {
        var conf = new JsonObject
        {
            ["cniVersion"] = version,
            ["name"] = "net",
            ["type"] = "terway",
            ["agent_socket"] = Path.Combine(_dir, "absent.sock"),
            ["log_file"] = Path.Combine(_dir, "terway.log"),
            ["pending_release_dir"] = Path.Combine(_dir, "pending"),
        };
        foreach (var (k, v) in extra ?? [])
        {
            conf[k] = v?.DeepClone();
        }

        return conf.ToJsonString();
    }

    private static string Args() => "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p;K8S_POD_UID=u1";
}
