using k8s;
using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.PodAnnotations;
using Terway.Crds.V1Beta1;
using Terway.Operator.Controllers.Pod;

namespace Terway.Operator.Tests.Controllers;

/// <summary>Which ENIs a pod needs, in Terway's precedence.</summary>
[TestFixture]
public sealed class PodNetworkResolverTests
{
    private static readonly PodNetworkDefaults Defaults = new()
    {
        EnableTrunk = true,
        VSwitches = ["vsw-default"],
        SecurityGroupIds = ["sg-default"],
        SelectionPolicy = VSwitchSelectionPolicies.Most,
    };

    private static V1Pod Pod(Dictionary<string, string>? labels = null, Dictionary<string, string>? annotations = null, string? owner = "ReplicaSet",
        string? node = "node-1", bool hostNetwork = false, string? podIp = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "p",
            NamespaceProperty = "ns",
            Labels = labels ?? new Dictionary<string, string>(),
            Annotations = annotations,
            OwnerReferences = owner is null ? null : [new V1OwnerReference { Kind = owner, Name = "o", ApiVersion = "apps/v1", Uid = "u" }],
        },
        Spec = new V1PodSpec { NodeName = node, HostNetwork = hostNetwork },
        Status = new V1PodStatus { PodIP = podIp },
    };

    private static V1Beta1PodNetworking Pn(string name, string? type = null, bool ready = true, V1LabelSelector? pods = null, V1LabelSelector? namespaces = null,
        string? eniType = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new PodNetworkingSpec
        {
            EniOptions = new EniOptions { EniType = eniType ?? EniAttachTypes.Default },
            AllocationType = new AllocationType { Type = type ?? IPAllocTypes.Elastic, ReleaseStrategy = type == IPAllocTypes.Fixed ? ReleaseStrategies.Never : null },
            Selector = new PodNetworkingSelector { PodSelector = pods, NamespaceSelector = namespaces },
            VSwitchOptions = ["vsw-a", "vsw-b"],
            SecurityGroupIds = ["sg-" + name],
        },
        Status = new PodNetworkingStatus
        {
            Status = ready ? NetworkingStatuses.Ready : NetworkingStatuses.Fail,
            VSwitches = [new VSwitch { Id = "vsw-a", Zone = "zone-a" }, new VSwitch { Id = "vsw-b", Zone = "zone-b" }],
            Message = ready ? null : "vSwitch vsw-a does not exist",
        },
    };

    private static V1LabelSelector Match(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };

    private static readonly Dictionary<string, string> Ns = new() { ["team"] = "pay" };

    private static PodNetworkResolution Resolve(V1Pod pod, params V1Beta1PodNetworking[] pns) =>
        PodNetworkResolver.Resolve(pod, Ns, pns, nodeEniOnly: false, Defaults);

    [Test]
    public void Resolve_HostNetworkPod_NotNeeded() =>
        Assert.That(Resolve(Pod(hostNetwork: true, annotations: new() { [Annotations.PodEni] = "true" })), Is.TypeOf<PodNetworkResolution.NotNeeded>());

    [Test]
    public void Resolve_IgnoredPod_NotNeeded() =>
        Assert.That(Resolve(Pod(labels: new() { [Labels.IgnoreByTerway] = "true" }, annotations: new() { [Annotations.PodEni] = "true" })), Is.TypeOf<PodNetworkResolution.NotNeeded>());

    [Test]
    public void Resolve_UnscheduledPod_NotNeeded() =>
        Assert.That(Resolve(Pod(node: null, annotations: new() { [Annotations.PodEni] = "true" })), Is.TypeOf<PodNetworkResolution.NotNeeded>());

    [Test]
    public void Resolve_FirstReadyMatchingPodNetworkingByName_Wins()
    {
        var plan = (PodNetworkResolution.Planned)Resolve(Pod(labels: new() { ["app"] = "web" }),
            Pn("zeta", pods: Match("app", "web")), Pn("alpha", pods: Match("app", "web")), Pn("beta", ready: false, pods: Match("app", "web")));
        Assert.Multiple(() =>
        {
            Assert.That(plan.NetworkingName, Is.EqualTo("alpha"));
            var a = plan.Allocations.Single();
            Assert.That(a.VSwitchOptions, Is.EqualTo(new[] { "vsw-a", "vsw-b" }));
            Assert.That(a.KnownZones, Is.EqualTo(new Dictionary<string, string> { ["vsw-a"] = "zone-a", ["vsw-b"] = "zone-b" }));
            Assert.That(a.SecurityGroupIds, Is.EqualTo(new[] { "sg-alpha" }));
            Assert.That(a.Trunk, Is.True);
            Assert.That(a.Interface, Is.EqualTo("eth0"));
        });
    }

    [Test]
    public void Resolve_FixedPodNetworking_SkippedForPodsWithoutFixedNames()
    {
        var pn = Pn("fixed", type: IPAllocTypes.Fixed, pods: Match("app", "db"));
        Assert.Multiple(() =>
        {
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "db" }, owner: "ReplicaSet"), pn), Is.TypeOf<PodNetworkResolution.NotNeeded>());
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "db" }, owner: "StatefulSet"), pn), Is.TypeOf<PodNetworkResolution.Planned>());
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "db" }, owner: null), pn), Is.TypeOf<PodNetworkResolution.Planned>(), "a bare pod keeps its name");
            Assert.That(PodNetworkResolver.Resolve(Pod(labels: new() { ["app"] = "db" }, owner: "Kruise"), Ns, [pn], false, Defaults with { CustomStatefulKinds = ["Kruise"] }),
                Is.TypeOf<PodNetworkResolution.Planned>(), "customStatefulWorkloadKinds");
        });
    }

    [Test]
    public void Resolve_BothSelectorsMustMatch()
    {
        var pn = Pn("both", pods: Match("app", "web"), namespaces: Match("team", "pay"));
        Assert.Multiple(() =>
        {
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "web" }), pn), Is.TypeOf<PodNetworkResolution.Planned>());
            Assert.That(PodNetworkResolver.Resolve(Pod(labels: new() { ["app"] = "web" }), new Dictionary<string, string> { ["team"] = "other" }, [pn], false, Defaults),
                Is.TypeOf<PodNetworkResolution.NotNeeded>());
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "api" }), pn), Is.TypeOf<PodNetworkResolution.NotNeeded>());
        });
    }

    [Test]
    public void Resolve_PodNetworkingWithoutSelectors_NeverMatches() =>
        Assert.That(Resolve(Pod(labels: new() { ["app"] = "web" }), Pn("none")), Is.TypeOf<PodNetworkResolution.NotNeeded>());

    [Test]
    public void Resolve_NamespaceNotCachedYet_Pending() =>
        Assert.That(PodNetworkResolver.Resolve(Pod(labels: new() { ["app"] = "web" }), null, [Pn("ns", namespaces: Match("team", "pay"))], false, Defaults),
            Is.TypeOf<PodNetworkResolution.Pending>());

    [Test]
    public void Resolve_SelectorMatch_SkipsPodsThatAlreadyHaveAnAddressOrBelongToADaemonSet()
    {
        var pn = Pn("web", pods: Match("app", "web"));
        Assert.Multiple(() =>
        {
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "web" }, podIp: "10.0.0.5"), pn), Is.TypeOf<PodNetworkResolution.NotNeeded>());
            Assert.That(Resolve(Pod(labels: new() { ["app"] = "web" }, owner: "DaemonSet"), pn), Is.TypeOf<PodNetworkResolution.NotNeeded>());
        });
    }

    [Test]
    public void Resolve_NamedPodNetworking_UsedEvenWithoutSelectors()
    {
        var plan = Resolve(Pod(annotations: new() { [Annotations.PodNetworking] = "none", [Annotations.PodEni] = "true" }), Pn("none"));
        Assert.That(plan, Is.TypeOf<PodNetworkResolution.Planned>().With.Property(nameof(PodNetworkResolution.Planned.NetworkingName)).EqualTo("none"));
    }

    [Test]
    public void Resolve_NamedPodNetworkingNotReady_PendingWithItsMessage()
    {
        var pending = (PodNetworkResolution.Pending)Resolve(Pod(annotations: new() { [Annotations.PodNetworking] = "broken" }), Pn("broken", ready: false));
        Assert.That(pending.Message, Does.Contain("PodNetworking broken is not Ready: vSwitch vsw-a does not exist"));
    }

    [Test]
    public void Resolve_NamedPodNetworkingMissing_Pending() =>
        Assert.That(Resolve(Pod(annotations: new() { [Annotations.PodNetworking] = "ghost" })),
            Is.TypeOf<PodNetworkResolution.Pending>().With.Property(nameof(PodNetworkResolution.Pending.Reason)).EqualTo(ConditionReasons.InvalidSpec));

    [Test]
    public void Resolve_PodNetworksAnnotation_WinsAndFillsEth0FromDefaults()
    {
        var networks = new PodNetworksAnnotation
        {
            PodNetworks =
            [
                new PodNetwork { Interface = "eth0" },
                new PodNetwork { Interface = "eth1", VSwitchOptions = ["vsw-x"], SecurityGroupIds = ["sg-x"], EniOptions = new EniOptions { EniType = EniAttachTypes.Eni } },
            ],
        };
        var plan = (PodNetworkResolution.Planned)Resolve(Pod(labels: new() { ["app"] = "web" }, annotations: new()
        {
            [Annotations.PodNetworks] = KubernetesJson.Serialize(networks),
            [Annotations.PodNetworking] = "web",
        }), Pn("web", pods: Match("app", "web")));
        Assert.Multiple(() =>
        {
            Assert.That(plan.NetworkingName, Is.Null);
            Assert.That(plan.Allocations.Select(a => a.Interface), Is.EqualTo(new[] { "eth0", "eth1" }));
            Assert.That(plan.Allocations[0].VSwitchOptions, Is.EqualTo(new[] { "vsw-default" }));
            Assert.That(plan.Allocations[0].SecurityGroupIds, Is.EqualTo(new[] { "sg-default" }));
            Assert.That(plan.Allocations[1].Trunk, Is.False, "eniType ENI is an exclusive ENI");
        });
    }

    [Test]
    public void Resolve_PodNetworksAnnotationNotJson_Pending() =>
        Assert.That(Resolve(Pod(annotations: new() { [Annotations.PodNetworks] = "{not json" })), Is.TypeOf<PodNetworkResolution.Pending>());

    [Test]
    public void Resolve_PodNetworksDuplicateInterface_Pending()
    {
        var json = KubernetesJson.Serialize(new PodNetworksAnnotation { PodNetworks = [new PodNetwork { Interface = "eth0" }, new PodNetwork { Interface = "eth0" }] });
        Assert.That(Resolve(Pod(annotations: new() { [Annotations.PodNetworks] = json })), Is.TypeOf<PodNetworkResolution.Pending>());
    }

    [Test]
    public void Resolve_PodEniTrueWithoutDefaults_PendingWithAnExplanation()
    {
        var pending = PodNetworkResolver.Resolve(Pod(annotations: new() { [Annotations.PodEni] = "true" }), Ns, [], false, new PodNetworkDefaults());
        Assert.That(pending, Is.TypeOf<PodNetworkResolution.Pending>().With.Property(nameof(PodNetworkResolution.Pending.Message)).Contains("no default vSwitches"));
    }

    [Test]
    public void Resolve_EniOnlyNode_ExclusiveEniFromDefaults()
    {
        var plan = (PodNetworkResolution.Planned)PodNetworkResolver.Resolve(Pod(), Ns, [], nodeEniOnly: true, Defaults);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Allocations.Single().Trunk, Is.False);
            Assert.That(plan.Allocations.Single().SelectionPolicy, Is.EqualTo(VSwitchSelectionPolicies.Most));
        });
    }

    [Test]
    public void Resolve_FixedAllocationForAPodWithoutAFixedName_DowngradedToElastic()
    {
        var plan = (PodNetworkResolution.Planned)Resolve(Pod(annotations: new() { [Annotations.PodNetworking] = "fixed" }, owner: "ReplicaSet"), Pn("fixed", type: IPAllocTypes.Fixed));
        Assert.That(plan.Allocations.Single().AllocationType.Type, Is.EqualTo(IPAllocTypes.Elastic));
    }

    [TestCase(EniAttachTypes.Trunk, false, false, true)]
    [TestCase(EniAttachTypes.Eni, false, true, false)]
    [TestCase(EniAttachTypes.Default, false, true, true)]
    [TestCase(EniAttachTypes.Default, false, false, false)]
    [TestCase(null, false, true, true)]
    [TestCase(EniAttachTypes.Trunk, true, true, false)]
    public void UsesTrunk_EniTypeNodeModeAndCluster_Decide(string? eniType, bool eniOnly, bool enableTrunk, bool expected) =>
        Assert.That(PodNetworkResolver.UsesTrunk(eniType, eniOnly, enableTrunk), Is.EqualTo(expected));
}
