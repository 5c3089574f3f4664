using k8s.Models;
using Terway.Crds.Workloads;

namespace Terway.Crds.Tests.Workloads;

[TestFixture]
public sealed class PodIdentityTests
{
    private static V1Pod Pod(params string[] ownerKinds) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "p",
            OwnerReferences = ownerKinds.Length == 0
                ? null
                : [.. ownerKinds.Select(k => new V1OwnerReference { Kind = k, Name = "o", ApiVersion = "apps/v1", Uid = "u" })],
        },
    };

    [TestCase(new string[0], null, ExpectedResult = true)]
    [TestCase(new[] { "StatefulSet" }, null, ExpectedResult = true)]
    [TestCase(new[] { "ReplicaSet" }, null, ExpectedResult = false)]
    [TestCase(new[] { "DaemonSet" }, null, ExpectedResult = false)]
    [TestCase(new[] { "Job" }, null, ExpectedResult = false)]
    [TestCase(new[] { "ReplicaSet", "StatefulSet" }, null, ExpectedResult = true)]
    [TestCase(new[] { "CloneSet" }, null, ExpectedResult = false)]
    [TestCase(new[] { "CloneSet" }, new[] { "CloneSet" }, ExpectedResult = true)]
    [TestCase(new[] { "statefulset" }, null, ExpectedResult = false)]
    public bool IsFixedName_OwnerKinds_FollowsTerway(string[] ownerKinds, string[]? custom) =>
        PodIdentity.IsFixedName(Pod(ownerKinds), custom);

    [Test]
    public void IsFixedName_EmptyOwnerList_IsFixed()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { OwnerReferences = [] } };

        Assert.That(PodIdentity.IsFixedName(pod), Is.True);
    }

    [TestCase("DaemonSet", ExpectedResult = true)]
    [TestCase("ReplicaSet", ExpectedResult = false)]
    [TestCase("ReplicaSet,DaemonSet", ExpectedResult = true)]
    [TestCase("", ExpectedResult = false)]
    public bool IsDaemonSetPod_OwnerKinds(string ownerKinds) =>
        PodIdentity.IsDaemonSetPod(Pod(ownerKinds.Split(',', StringSplitOptions.RemoveEmptyEntries)));

    [TestCase("Succeeded", ExpectedResult = true)]
    [TestCase("Failed", ExpectedResult = true)]
    [TestCase("Running", ExpectedResult = false)]
    [TestCase("Pending", ExpectedResult = false)]
    [TestCase(null, ExpectedResult = false)]
    public bool IsSandboxExited_Phase(string? phase) =>
        PodIdentity.IsSandboxExited(new V1Pod { Status = phase is null ? null : new V1PodStatus { Phase = phase } });

    [TestCase("true", ExpectedResult = true)]
    [TestCase("false", ExpectedResult = false)]
    [TestCase("True", ExpectedResult = false)]
    [TestCase(null, ExpectedResult = false)]
    public bool IsIgnored_Label(string? value) =>
        PodIdentity.IsIgnored(new V1ObjectMeta
        {
            Labels = value is null ? null : new Dictionary<string, string> { ["k8s.aliyun.com/ignore-by-terway"] = value },
        });

    [TestCase("virtual-kubelet", ExpectedResult = true)]
    [TestCase("ecs", ExpectedResult = false)]
    public bool IsVirtualKubeletNode_TypeLabel(string type) =>
        PodIdentity.IsVirtualKubeletNode(new V1Node { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["type"] = type } } });

    [Test]
    public void Key_NamespaceAndName_IsSlashJoined() => Assert.That(PodIdentity.Key("default", "web-0"), Is.EqualTo("default/web-0"));
}
