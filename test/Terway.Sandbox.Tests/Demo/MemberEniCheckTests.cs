using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Demo;

namespace Terway.Sandbox.Tests.Demo;

/// <summary>The demo's check that every running pod is on its own member ENI.</summary>
[TestFixture]
public sealed class MemberEniCheckTests
{
    private static readonly HashSet<string> PodVSwitches = new(StringComparer.Ordinal) { "vsw-pods" };

    private static V1Pod Pod(string ip = "192.168.16.5") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "demo" },
        Status = new V1PodStatus { Phase = "Running", PodIP = ip },
    };

    private static V1Beta1PodEni PodEni(string phase = PodEniPhases.Bind, string trunk = "eni-trunk") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "demo" },
        Spec = new PodEniSpec { Allocations = [new Allocation { Eni = new Eni { Id = "eni-m" } }] },
        Status = new PodEniStatus { Phase = phase, TrunkEniId = trunk },
    };

    private static EniSnapshot Eni(string id, EniType type, EniStatus status = EniStatus.InUse, string? trunk = null, string vSwitch = "vsw-pods", string ip = "192.168.16.5") => new()
    {
        NetworkInterfaceId = id, Type = type, Status = status, VpcId = "vpc", VSwitchId = vSwitch, ZoneId = "z", MacAddress = "00:16:3e:00:00:01",
        PrimaryIpAddress = ip, PrivateIpAddresses = [ip], Ipv6Addresses = [], SecurityGroupIds = [], Tags = [], CreationTime = DateTimeOffset.UnixEpoch,
        TrunkNetworkInterfaceId = trunk, MemberNetworkInterfaceIds = [], NetworkInterfaceTrafficMode = "Standard",
    };

    private static RegionSnapshot Cloud(params EniSnapshot[] enis) => new()
    {
        Time = DateTimeOffset.UnixEpoch, RegionId = "r", Zones = ["z"], Vpcs = [], VSwitches = [], SecurityGroups = [], Instances = [],
        NetworkInterfaces = [Eni("eni-trunk", EniType.Trunk), .. enis], RouteTables = [], Calls = [],
        CallCounts = new Dictionary<string, ApiCallStats>(),
    };

    private static MemberEniReport Check(V1Pod pod, V1Beta1PodEni? podEni, RegionSnapshot cloud) =>
        MemberEniCheck.Evaluate([pod], _ => podEni, cloud, PodVSwitches);

    [Test]
    public void Evaluate_PodOnItsBoundMemberEni_Counted()
    {
        var report = Check(Pod(), PodEni(), Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk")));
        Assert.Multiple(() =>
        {
            Assert.That((report.Pods, report.OnOwnMemberEni, report.MemberEnis, report.TrunkEnis), Is.EqualTo((1, 1, 1, 1)));
            Assert.That(report.Problems, Is.Empty);
        });
    }

    private static IEnumerable<TestCaseData> Problems()
    {
        yield return new TestCaseData(Pod(), null, Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk")), "demo/web-0: no PodENI").SetName("Evaluate_NoPodEni_Problem");
        yield return new TestCaseData(Pod(), PodEni(PodEniPhases.Binding), Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk")),
            "demo/web-0: PodENI in phase Binding, not Bind").SetName("Evaluate_PodEniNotBound_Problem");
        yield return new TestCaseData(Pod(), PodEni(), Cloud(), "demo/web-0: the PodENI's ENI eni-m is not in the cloud").SetName("Evaluate_EniGone_Problem");
        yield return new TestCaseData(Pod(), PodEni(), Cloud(Eni("eni-m", EniType.Secondary)),
            "demo/web-0: ENI eni-m is Secondary InUse on no trunk, not a member InUse on trunk eni-trunk").SetName("Evaluate_NotAMember_Problem");
        yield return new TestCaseData(Pod(), PodEni(trunk: "eni-other"), Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk")),
            "demo/web-0: ENI eni-m is Member InUse on eni-trunk, not a member InUse on trunk eni-other").SetName("Evaluate_OtherTrunk_Problem");
        yield return new TestCaseData(Pod(), PodEni(), Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk", vSwitch: "vsw-nodes")),
            "demo/web-0: ENI eni-m is in vSwitch vsw-nodes, not a pod vSwitch").SetName("Evaluate_NodeVSwitch_Problem");
        yield return new TestCaseData(Pod("10.244.1.2"), PodEni(), Cloud(Eni("eni-m", EniType.Member, trunk: "eni-trunk")),
            "demo/web-0: pod IP 10.244.1.2 is not ENI eni-m's 192.168.16.5").SetName("Evaluate_PodIpNotTheEnis_Problem");
    }

    [TestCaseSource(nameof(Problems))]
    public void Evaluate_PodNotOnItsOwnMemberEni_OneProblemNamingWhy(V1Pod pod, V1Beta1PodEni? podEni, RegionSnapshot cloud, string problem)
    {
        var report = Check(pod, podEni, cloud);
        Assert.Multiple(() =>
        {
            Assert.That(report.OnOwnMemberEni, Is.Zero);
            Assert.That(report.Problems, Is.EqualTo(new[] { problem }));
        });
    }
}
