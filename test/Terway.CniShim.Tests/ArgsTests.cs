using Terway.CniShim.Cni;

namespace Terway.CniShim.Tests;

[TestFixture]
public sealed class ArgsTests
{
    [Test]
    public void Parse_ContainerdArgs_PodFieldsRead()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=nginx;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=8f2c");
        Assert.Multiple(() =>
        {
            Assert.That(args.IgnoreUnknown, Is.True);
            Assert.That(args.PodNamespace, Is.EqualTo("default"));
            Assert.That(args.PodName, Is.EqualTo("nginx"));
            Assert.That(args.PodInfraContainerId, Is.EqualTo("abc"));
            Assert.That(args.PodUid, Is.EqualTo("8f2c"));
        });
    }

    [Test]
    public void Parse_OrderDoesNotMatter()
    {
        var args = CniArgs.Parse("K8S_POD_UID=u;K8S_POD_NAME=n;IgnoreUnknown=1;K8S_POD_NAMESPACE=ns");
        Assert.That((args.PodNamespace, args.PodName, args.PodUid), Is.EqualTo(("ns", "n", "u")));
    }

    [Test]
    public void Parse_UnknownKeyWithoutIgnoreUnknown_Code4NamingIt()
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse("K8S_POD_NAME=n;ZZZ=1;AAA=2"))!;
        Assert.That((e.Code, e.Message), Is.EqualTo((4, "CNI_ARGS: unknown args [\"AAA\" \"ZZZ\"]")));
    }

    [TestCase("1")]
    [TestCase("true")]
    [TestCase("True")]
    [TestCase("t")]
    public void Parse_UnknownKeyWithIgnoreUnknownTrue_Accepted(string flag)
    {
        var args = CniArgs.Parse($"IgnoreUnknown={flag};FOO=bar;K8S_POD_NAME=n");
        Assert.That(args.Values["FOO"], Is.EqualTo("bar"));
    }

    [TestCase("0")]
    [TestCase("false")]
    public void Parse_UnknownKeyWithIgnoreUnknownFalse_Rejected(string flag) =>
        Assert.That(Assert.Throws<CniException>(() => CniArgs.Parse($"IgnoreUnknown={flag};FOO=bar"))!.Code, Is.EqualTo(4));

    [Test]
    public void Parse_IgnoreUnknownNotABoolean_Code4()
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse("IgnoreUnknown=yes"))!;
        Assert.That(e.Message, Is.EqualTo("CNI_ARGS: IgnoreUnknown=\"yes\" is not a boolean"));
    }

    [TestCase("K8S_POD_NAME")]
    [TestCase("=value")]
    public void Parse_PairWithoutKeyOrEquals_Code4(string text)
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse(text))!;
        Assert.That(e.Message, Is.EqualTo($"CNI_ARGS: invalid pair \"{text}\""));
    }

    [Test]
    public void Parse_ValueWithEquals_SplitOnTheFirst()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;X=a=b");
        Assert.That(args.Values["X"], Is.EqualTo("a=b"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase(";")]
    public void Parse_Empty_NoPod(string? text)
    {
        var args = CniArgs.Parse(text);
        Assert.That((args.PodNamespace, args.PodName, args.Values.Count), Is.EqualTo(((string?)null, (string?)null, 0)));
    }

    [Test]
    public void Parse_EmptyPodName_TreatedAsAbsent()
    {
        var args = CniArgs.Parse("K8S_POD_NAMESPACE=;K8S_POD_NAME=n");
        Assert.That(args.PodNamespace, Is.Null);
    }
}
