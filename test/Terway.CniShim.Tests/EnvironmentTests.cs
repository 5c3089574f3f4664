using Terway.CniShim.Cni;

namespace Terway.CniShim.Tests;

[TestFixture]
public sealed class EnvironmentTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return k => map.TryGetValue(k, out var v) ? v : null;
    }

    private static readonly (string, string)[] Full =
    [
        ("CNI_CONTAINERID", "abc123"), ("CNI_NETNS", "/var/run/netns/x"), ("CNI_IFNAME", "eth0"), ("CNI_PATH", "/opt/cni/bin"), ("CNI_ARGS", "A=b"),
    ];

    [TestCase("ADD")]
    [TestCase("CHECK")]
    [TestCase("DEL")]
    [TestCase("GC")]
    [TestCase("STATUS")]
    public void Parse_AllVariablesSet_Accepted(string command)
    {
        var env = CniEnvironment.Parse(command, Env(Full));
        Assert.That(env, Is.EqualTo(new CniEnvironment(command, "abc123", "/var/run/netns/x", "eth0", "A=b", "/opt/cni/bin")));
    }

    [TestCase("ADD", "required env variables [CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH] missing")]
    [TestCase("CHECK", "required env variables [CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH] missing")]
    [TestCase("DEL", "required env variables [CNI_CONTAINERID CNI_IFNAME CNI_PATH] missing")]
    [TestCase("GC", "required env variables [CNI_PATH] missing")]
    [TestCase("STATUS", "required env variables [CNI_PATH] missing")]
    public void Parse_NothingSet_Code4NamingEveryMissingVariable(string command, string message)
    {
        var e = Assert.Throws<CniException>(() => CniEnvironment.Parse(command, Env()))!;
        Assert.That((e.Code, e.Message), Is.EqualTo((4, message)));
    }

    [Test]
    public void Parse_DelWithoutNetns_Accepted()
    {
        var env = CniEnvironment.Parse("DEL", Env(("CNI_CONTAINERID", "c"), ("CNI_IFNAME", "eth0"), ("CNI_PATH", "/x")));
        Assert.That(env.Netns, Is.Null);
    }

    [Test]
    public void Parse_EmptyValue_CountsAsMissing()
    {
        var e = Assert.Throws<CniException>(() => CniEnvironment.Parse("ADD", Env([.. Full.Where(v => v.Item1 != "CNI_NETNS"), ("CNI_NETNS", "")])))!;
        Assert.That(e.Message, Is.EqualTo("required env variables [CNI_NETNS] missing"));
    }

    [Test]
    public void Parse_UnknownCommand_Code4()
    {
        var e = Assert.Throws<CniException>(() => CniEnvironment.Parse("FROB", Env(Full)))!;
        Assert.That((e.Code, e.Message), Is.EqualTo((4, "unknown CNI_COMMAND: FROB")));
    }

    [TestCase("a", true)]
    [TestCase("0123456789abcdef", true)]
    [TestCase("pod_sandbox.1-x", true)]
    [TestCase("-leading", false)]
    [TestCase("_leading", false)]
    [TestCase("has space", false)]
    [TestCase("slash/x", false)]
    [TestCase("", false)]
    public void IsValidContainerId_FollowsTheSpecPattern(string id, bool valid) =>
        Assert.That(CniEnvironment.IsValidContainerId(id), Is.EqualTo(valid));

    [Test]
    public void Parse_BadContainerId_Code4()
    {
        var e = Assert.Throws<CniException>(() => CniEnvironment.Parse("ADD", Env([.. Full.Where(v => v.Item1 != "CNI_CONTAINERID"), ("CNI_CONTAINERID", "bad id")])))!;
        Assert.That((e.Code, e.Message, e.Details), Is.EqualTo((4, "invalid characters in CNI_CONTAINERID", "bad id")));
    }

    [TestCase("eth0", null)]
    [TestCase("net1", null)]
    [TestCase("fifteen-chars-x", null)]
    [TestCase("sixteen-chars-xy", "longer than 15 bytes")]
    [TestCase(".", "'.' and '..' are not interface names")]
    [TestCase("..", "'.' and '..' are not interface names")]
    [TestCase("a/b", "contains '/'")]
    [TestCase("a:b", "contains ':'")]
    [TestCase("a b", "contains ' '")]
    public void InterfaceNameProblem_KernelRules(string name, string? problem) =>
        Assert.That(CniEnvironment.InterfaceNameProblem(name), Is.EqualTo(problem));
}
