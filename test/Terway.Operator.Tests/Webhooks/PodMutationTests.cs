using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Tests.Webhooks.Support;
using Terway.Operator.Webhooks.Admission;
using Terway.Operator.Webhooks.Pods;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

[TestFixture]
public sealed class PodMutationTests
{
    private static (AdmissionDecision Decision, V1Pod Result) Run(V1Pod pod, PodMutationContext context)
    {
        var decision = PodMutation.Mutate(pod, context);
        return (decision, decision.Patch.Count == 0 ? pod : JsonPatchApplier.Apply(pod, decision.Patch));
    }

    private static readonly V1Beta1PodNetworking WebNetworking =
        PodNetworking("pn-web", podSelector: MatchLabels(("app", "web")), zones: ["zone-b", "zone-a"]);

    [Test]
    public void Mutate_HostNetworkPod_AllowedUnchanged()
    {
        var (decision, _) = Run(Pod(hostNetwork: true), Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Patch, Is.Empty);
        Assert.That(decision.Message, Does.Contain("host-network"));
    }

    [Test]
    public void Mutate_PodWithoutContainers_AllowedUnchanged()
    {
        var (decision, _) = Run(Pod(containers: 0), Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Patch, Is.Empty);
    }

    [Test]
    public void Mutate_IgnoredPod_AllowedUnchanged()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "web", [Labels.IgnoreByTerway] = "true" });

        var (decision, _) = Run(pod, Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Patch, Is.Empty);
    }

    [TestCase(Annotations.PodNetworks, Annotations.PodNetworking)]
    [TestCase(Annotations.PodNetworks, Annotations.PodNetworksRequest)]
    [TestCase(Annotations.PodNetworksRequest, Annotations.PodNetworking)]
    public void Mutate_TwoExclusiveAnnotations_Denied(string first, string second)
    {
        var pod = Pod(annotations: new Dictionary<string, string> { [first] = "x", [second] = "y" });

        var (decision, _) = Run(pod, Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Code, Is.EqualTo(403));
        Assert.That(decision.Message, Does.Contain("mutually exclusive").And.Contain(first).And.Contain(second));
    }

    [TestCase(Annotations.PodNetworks, "{not json")]
    [TestCase(Annotations.PodNetworks, "[1,2]")]
    [TestCase(Annotations.PodNetworksRequest, "{\"network\":\"x\"}")]
    public void Mutate_UnparsableAnnotation_DeniedNamingIt(string annotation, string value)
    {
        var pod = Pod(annotations: new Dictionary<string, string> { [annotation] = value });

        var (decision, _) = Run(pod, Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.StartWith($"unable to parse annotation {annotation}"));
    }

    [Test]
    public void Mutate_NothingMatches_AllowedUnchanged()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "db" });

        var (decision, _) = Run(pod, Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.True);
        Assert.That(decision.Patch, Is.Empty);
        Assert.That(decision.Message, Does.Contain("no Ready PodNetworking"));
    }

    [Test]
    public void Mutate_MatchingPodNetworking_AnnotationsResourcesAndZoneAffinity()
    {
        var (decision, pod) = Run(Pod(ownerKind: "ReplicaSet"), Context([WebNetworking]));

        Assert.That(decision.Allowed, Is.True);
        var networks = Networks(pod);
        Assert.Multiple(() =>
        {
            Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("pn-web"));
            Assert.That(pod.Metadata.Annotations[Annotations.PodEni], Is.EqualTo("true"));
            Assert.That(networks, Has.Count.EqualTo(1));
            Assert.That(networks[0].Interface, Is.EqualTo("eth0"));
            Assert.That(networks[0].VSwitchOptions, Is.EqualTo(new[] { "vsw-pn-web-zone-b", "vsw-pn-web-zone-a" }));
            Assert.That(networks[0].SecurityGroupIds, Is.EqualTo(new[] { "sg-pn-web" }));
            Assert.That(networks[0].AllocationType!.Type, Is.EqualTo(IPAllocTypes.Elastic));
            var resources = pod.Spec.Containers[0].Resources;
            Assert.That(resources.Requests[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
            Assert.That(resources.Limits[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
            Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b" } }));
        });
    }

    [Test]
    public void Mutate_MatchingPodNetworking_CopiesEniTypeSelectionPolicyAndAllocation()
    {
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")), allocation: IPAllocTypes.Fixed, eniType: EniAttachTypes.Trunk,
            releaseStrategy: ReleaseStrategies.Ttl, releaseAfter: "10m0s");
        pn.Spec.VSwitchSelectOptions = new VSwitchSelectOptions { VSwitchSelectionPolicy = VSwitchSelectionPolicies.Most };

        var (_, pod) = Run(Pod(), Context([pn]));

        var network = Networks(pod).Single();
        Assert.Multiple(() =>
        {
            Assert.That(network.EniOptions!.EniType, Is.EqualTo(EniAttachTypes.Trunk));
            Assert.That(network.VSwitchSelectOptions!.VSwitchSelectionPolicy, Is.EqualTo(VSwitchSelectionPolicies.Most));
            Assert.That(network.AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed));
            Assert.That(network.AllocationType.ReleaseStrategy, Is.EqualTo(ReleaseStrategies.Ttl));
            Assert.That(network.AllocationType.ReleaseAfter, Is.EqualTo("10m0s"));
        });
    }

    [Test]
    public void Mutate_MatchingPodNetworking_LeavesTheCachedObjectUnchanged()
    {
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")));
        pn.Spec.AllocationType = new AllocationType();
        var before = KubernetesJson.Serialize(pn);

        Run(Pod(), Context([pn], settings: Settings(defaultSecurityGroups: ["sg-x"])));

        Assert.That(KubernetesJson.Serialize(pn), Is.EqualTo(before));
    }

    [TestCase(NetworkingStatuses.Fail)]
    [TestCase(null)]
    [TestCase("")]
    public void Mutate_PodNetworkingNotReady_Skipped(string? status)
    {
        var notReady = PodNetworking("pn-a", status: status, podSelector: MatchLabels(("app", "web")));
        var ready = PodNetworking("pn-b", podSelector: MatchLabels(("app", "web")));

        var (_, pod) = Run(Pod(), Context([notReady, ready]));

        Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("pn-b"));
    }

    [Test]
    public void Mutate_SeveralMatch_FirstInListOrderWins()
    {
        var first = PodNetworking("pn-a", podSelector: MatchLabels(("app", "web")));
        var second = PodNetworking("pn-b", podSelector: new V1LabelSelector());

        var (_, pod) = Run(Pod(), Context([first, second]));

        Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("pn-a"));
    }

    [Test]
    public void Mutate_PodNetworkingWithoutSelectors_NeverMatches()
    {
        var (decision, _) = Run(Pod(), Context([PodNetworking("pn-none")]));

        Assert.That(decision.Patch, Is.Empty);
    }

    [TestCase("team-a", true)]
    [TestCase("team-b", false)]
    public void Mutate_NamespaceSelector_MatchesOnNamespaceLabels(string team, bool matches)
    {
        var pn = PodNetworking("pn-ns", namespaceSelector: MatchLabels(("team", "team-a")));

        var (decision, _) = Run(Pod(), Context([pn], namespaceLabels: new Dictionary<string, string> { ["team"] = team }));

        Assert.That(decision.Patch, matches ? Is.Not.Empty : Is.Empty);
    }

    [Test]
    public void Mutate_BothSelectors_BothMustMatch()
    {
        var pn = PodNetworking("pn-both", podSelector: MatchLabels(("app", "web")), namespaceSelector: MatchLabels(("team", "a")));

        var (onlyPod, _) = Run(Pod(), Context([pn], namespaceLabels: new Dictionary<string, string> { ["team"] = "b" }));
        var (both, _) = Run(Pod(), Context([pn], namespaceLabels: new Dictionary<string, string> { ["team"] = "a" }));

        Assert.That(onlyPod.Patch, Is.Empty);
        Assert.That(both.Patch, Is.Not.Empty);
    }

    [TestCase("ReplicaSet", null, false)]
    [TestCase("Job", null, false)]
    [TestCase("StatefulSet", null, true)]
    [TestCase(null, null, true)]
    [TestCase("CloneSet", "CloneSet", true)]
    public void Mutate_FixedPodNetworking_OnlyForFixedNamePods(string? ownerKind, string? customKind, bool matchesFixed)
    {
        var fixedPn = PodNetworking("pn-a-fixed", podSelector: MatchLabels(("app", "web")), allocation: IPAllocTypes.Fixed);
        var elastic = PodNetworking("pn-b-elastic", podSelector: MatchLabels(("app", "web")));

        var (_, pod) = Run(Pod(ownerKind: ownerKind), Context([fixedPn, elastic], settings: Settings(customKinds: customKind is null ? null : [customKind])));

        Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo(matchesFixed ? "pn-a-fixed" : "pn-b-elastic"));
    }

    [Test]
    public void Mutate_FixedPodWithExistingPodEni_PinnedToThePodEniZone()
    {
        var pn = PodNetworking("pn-fixed", podSelector: MatchLabels(("app", "web")), allocation: IPAllocTypes.Fixed, zones: ["zone-a", "zone-b"]);

        var (_, pod) = Run(Pod(), Context([pn], podEni: PodEni("web-0", "zone-b")));

        Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b", "In:zone-b" } }));
    }

    [TestCase(true, false, IPAllocTypes.Fixed, TestName = "Mutate_PodEniBeingDeleted_NotPinned")]
    [TestCase(false, true, IPAllocTypes.Fixed, TestName = "Mutate_PodEniWithoutAllocations_NotPinned")]
    [TestCase(false, false, IPAllocTypes.Elastic, TestName = "Mutate_ElasticPodEniAndElasticNetworking_NotPinned")]
    public void Mutate_PodEniThatIsNotKept_NotPinned(bool deleting, bool noAllocations, string podEniAllocation)
    {
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")), zones: ["zone-a", "zone-b"]);

        var (_, pod) = Run(Pod(), Context([pn], podEni: PodEni("web-0", "zone-b", podEniAllocation, deleting, noAllocations)));

        Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b" } }));
    }

    [Test]
    public void Mutate_ElasticNetworkingButFixedPodEniWaiting_StillPinned()
    {
        // The PodNetworking was switched from Fixed to Elastic: the pod's fixed ENI still waits in its zone.
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")), zones: ["zone-a", "zone-b"]);

        var (_, pod) = Run(Pod(), Context([pn], podEni: PodEni("web-0", "zone-a")));

        Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b", "In:zone-a" } }));
    }

    [Test]
    public void Mutate_NonFixedNamePodWithPodEniOfSameName_NotPinned()
    {
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")), zones: ["zone-a"]);

        var (_, pod) = Run(Pod(ownerKind: "ReplicaSet"), Context([pn], podEni: PodEni("web-0", "zone-b")));

        Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:zone-a" } }));
    }

    [Test]
    public void Mutate_ExplicitPodNetworks_TakePrecedenceOverSelectors()
    {
        const string Explicit = """{"podNetworks":[{"vSwitchOptions":["vsw-x"],"securityGroupIDs":["sg-x"],"interface":"eth0"},{"interface":"eth1","vSwitchOptions":["vsw-y"],"securityGroupIDs":["sg-y"],"allocationType":{"type":"Fixed","releaseStrategy":"Never"}}]}""";
        var pod = Pod(annotations: new Dictionary<string, string> { [Annotations.PodNetworks] = Explicit, ["keep"] = "me" });

        var (decision, result) = Run(pod, Context([WebNetworking]));

        var networks = Networks(result);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.True);
            Assert.That(result.Metadata.Annotations.ContainsKey(Annotations.PodNetworking), Is.False);
            Assert.That(result.Metadata.Annotations["keep"], Is.EqualTo("me"));
            Assert.That(result.Metadata.Annotations[Annotations.PodEni], Is.EqualTo("true"));
            Assert.That(networks.Select(n => n.Interface), Is.EqualTo(new[] { "eth0", "eth1" }));
            Assert.That(networks[0].VSwitchOptions, Is.EqualTo(new[] { "vsw-x" }));
            Assert.That(networks[0].AllocationType!.Type, Is.EqualTo(IPAllocTypes.Elastic));
            Assert.That(networks[1].AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed));
            Assert.That(result.Spec.Containers[0].Resources.Requests[ExtendedResources.MemberEni].ToString(), Is.EqualTo("2"));
            Assert.That(result.Spec.Affinity, Is.Null, "explicit vSwitches have no known zones");
        });
    }

    [Test]
    public void Mutate_ExplicitEth0WithoutVSwitchesOrGroups_FilledFromClusterDefaults()
    {
        var pod = Pod(annotations: new Dictionary<string, string> { [Annotations.PodNetworks] = """{"podNetworks":[{},{"interface":"eth1"}]}""" });

        var (decision, result) = Run(pod, Context(settings: Settings(defaultVSwitches: ["vsw-1", "vsw-2"], defaultSecurityGroups: ["sg-1"])));

        var networks = Networks(result);
        Assert.Multiple(() =>
        {
            Assert.That(networks[0].Interface, Is.EqualTo("eth0"));
            Assert.That(networks[0].VSwitchOptions, Is.EqualTo(new[] { "vsw-1", "vsw-2" }));
            Assert.That(networks[0].SecurityGroupIds, Is.EqualTo(new[] { "sg-1" }));
            Assert.That(networks[1].VSwitchOptions, Is.Null, "only eth0 is filled, as in Terway");
            Assert.That(decision.Warnings, Has.Count.EqualTo(1).And.Some.Contains("eth1"));
            Assert.That(decision.Warnings[0], Has.Length.LessThanOrEqualTo(120));
        });
    }

    [Test]
    public void Mutate_ExplicitElevenSecurityGroups_DeniedWithCount()
    {
        var groups = string.Join(",", Enumerable.Range(1, 11).Select(i => $"\"sg-{i}\""));
        var pod = Pod(annotations: new Dictionary<string, string> { [Annotations.PodNetworks] = $$"""{"podNetworks":[{"securityGroupIDs":[{{groups}}]}]}""" });

        var (decision, _) = Run(pod, Context());

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain("at most 10 security groups are allowed, got 11"));
    }

    [TestCase("""{"podNetworks":[{"interface":"eth012"}]}""", "1 to 5 characters")]
    [TestCase("""{"podNetworks":[{"interface":"eth1"},{"interface":"eth1"}]}""", "listed twice")]
    [TestCase("""{"podNetworks":[{"allocationType":{"type":"Fixed","releaseStrategy":"TTL","releaseAfter":"soon"}}]}""", "releaseAfter 'soon' is not a Go duration")]
    [TestCase("""{"podNetworks":[{"allocationType":{"type":"Fixed","releaseStrategy":"Never","releaseAfter":"5m"}}]}""", "releaseAfter must be empty when releaseStrategy is Never")]
    [TestCase("""{"podNetworks":[{"allocationType":{"type":"Sticky"}}]}""", "unsupported type 'Sticky'")]
    public void Mutate_InvalidExplicitNetwork_Denied(string annotation, string message)
    {
        var pod = Pod(annotations: new Dictionary<string, string> { [Annotations.PodNetworks] = annotation });

        var (decision, _) = Run(pod, Context());

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain(message));
    }

    [Test]
    public void Mutate_ExplicitFixedOnDeploymentPod_Denied()
    {
        var pod = Pod(ownerKind: "ReplicaSet", annotations: new Dictionary<string, string> { [Annotations.PodNetworks] = """{"podNetworks":[{"allocationType":{"type":"Fixed"}}]}""" });

        var (decision, _) = Run(pod, Context());

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain("allocationType Fixed").And.Contain("ReplicaSet/owner"));
    }

    [Test]
    public void Mutate_PodNetworksRequest_OneNetworkPerRequestWithCommonZones()
    {
        var a = PodNetworking("net-a", zones: ["zone-a", "zone-b"]);
        var b = PodNetworking("net-b", zones: ["zone-b", "zone-c"], eniType: EniAttachTypes.Default);
        a.Spec.EniOptions = new EniOptions { EniType = EniAttachTypes.Default };
        var pod = Pod(annotations: new Dictionary<string, string>
        {
            [Annotations.PodNetworksRequest] = """[{"network":"net-a"},{"interfaceName":"eth1","network":"net-b","defaultRoute":true,"routes":[{"dst":"10.0.0.0/8"}]}]""",
        });

        var (decision, result) = Run(pod, Context([a, b]));

        var networks = Networks(result);
        Assert.Multiple(() =>
        {
            Assert.That(decision.Allowed, Is.True);
            Assert.That(networks.Select(n => n.Interface), Is.EqualTo(new[] { "eth0", "eth1" }));
            Assert.That(networks[1].DefaultRoute, Is.True);
            Assert.That(networks[1].ExtraRoutes!.Single().Dst, Is.EqualTo("10.0.0.0/8"));
            Assert.That(networks[1].SecurityGroupIds, Is.EqualTo(new[] { "sg-net-b" }));
            Assert.That(result.Metadata.Annotations.ContainsKey(Annotations.PodNetworking), Is.False);
            Assert.That(result.Spec.Containers[0].Resources.Limits[ExtendedResources.MemberEni].ToString(), Is.EqualTo("2"));
            Assert.That(ZoneTerms(result), Is.EqualTo(new[] { new[] { "In:zone-b" } }));
        });
    }

    [TestCase("""[{"network":"missing"}]""", "PodNetworking missing not found")]
    [TestCase("""[{"network":"failed"}]""", "PodNetworking failed is not Ready (status 'Fail': vSwitch gone)")]
    [TestCase("""[{"network":"selective"}]""", "PodNetworking selective has a selector")]
    [TestCase("""[{"network":"plain"},{"interfaceName":"eth1","network":"exclusive"}]""", "same eniType; plain uses Default, exclusive uses ENI")]
    [TestCase("""[{"network":"plain"},{"interfaceName":"eth1","network":"far"}]""", "no zone in common (plain: [zone-a]; far: [zone-z])")]
    [TestCase("""[{"interfaceName":"eth1"}]""", "network must name a PodNetworking")]
    [TestCase("""[{"network":"plain"},{"network":"plain"}]""", "interface eth0 is listed twice")]
    public void Mutate_BadPodNetworksRequest_Denied(string request, string message)
    {
        var failed = PodNetworking("failed", status: NetworkingStatuses.Fail);
        failed.Status!.Message = "vSwitch gone";
        var podNetworkings = new[]
        {
            PodNetworking("exclusive", eniType: EniAttachTypes.Eni),
            failed,
            PodNetworking("far", zones: ["zone-z"]),
            PodNetworking("plain"),
            PodNetworking("selective", podSelector: MatchLabels(("app", "web"))),
        };
        var pod = Pod(annotations: new Dictionary<string, string> { [Annotations.PodNetworksRequest] = request });

        var (decision, _) = Run(pod, Context(podNetworkings));

        Assert.That(decision.Allowed, Is.False);
        Assert.That(decision.Message, Does.Contain(message));
    }

    [Test]
    public void Mutate_UnmatchedPodAskingForPodEni_GetsDefaultEth0()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "db" }, annotations: new Dictionary<string, string> { [Annotations.PodEni] = "true" });

        var (_, result) = Run(pod, Context([WebNetworking]));

        var network = Networks(result).Single();
        Assert.That(network.Interface, Is.EqualTo("eth0"));
        Assert.That(network.VSwitchOptions, Is.EqualTo(new[] { "vsw-default" }));
        Assert.That(network.SecurityGroupIds, Is.EqualTo(new[] { "sg-default" }));
        Assert.That(result.Metadata.Annotations.ContainsKey(Annotations.PodNetworking), Is.False);
    }

    [Test]
    public void Mutate_UnmatchedPodWithDefaultEniForUnmatchedPods_GetsDefaultEth0()
    {
        var pod = Pod(labels: new Dictionary<string, string> { ["app"] = "db" });

        var (decision, result) = Run(pod, Context(settings: Settings(defaultEni: true)));

        Assert.That(decision.Patch, Is.Not.Empty);
        Assert.That(Networks(result).Single().VSwitchOptions, Is.EqualTo(new[] { "vsw-default" }));
    }

    [TestCase(true, null, ExtendedResources.MemberEni)]
    [TestCase(false, null, ExtendedResources.Eni)]
    [TestCase(true, EniAttachTypes.Eni, ExtendedResources.Eni)]
    [TestCase(true, EniAttachTypes.Default, ExtendedResources.MemberEni)]
    [TestCase(false, EniAttachTypes.Trunk, ExtendedResources.MemberEni)]
    public void Mutate_ResourceName_FollowsTrunkingAndEniType(bool enableTrunk, string? eniType, string expected)
    {
        var pn = PodNetworking("pn", podSelector: MatchLabels(("app", "web")), eniType: eniType);

        var (_, pod) = Run(Pod(), Context([pn], settings: Settings(enableTrunk: enableTrunk)));

        Assert.That(pod.Spec.Containers[0].Resources.Requests.Keys, Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Mutate_InjectResourceOff_NoResources()
    {
        var (_, pod) = Run(Pod(), Context([WebNetworking], settings: Settings(inject: false)));

        Assert.That(pod.Spec.Containers[0].Resources, Is.Null);
        Assert.That(pod.Metadata.Annotations[Annotations.PodEni], Is.EqualTo("true"));
    }

    [Test]
    public void Mutate_ExistingResources_KeptAndOnlyFirstContainerChanged()
    {
        var pod = Pod(containers: 2);
        pod.Spec.Containers[0].Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } };

        var (_, result) = Run(pod, Context([WebNetworking]));

        Assert.Multiple(() =>
        {
            Assert.That(result.Spec.Containers[0].Resources.Limits.Keys, Is.EquivalentTo(new[] { "cpu", ExtendedResources.MemberEni }));
            Assert.That(result.Spec.Containers[0].Resources.Requests.Keys, Is.EqualTo(new[] { ExtendedResources.MemberEni }));
            Assert.That(result.Spec.Containers[1].Resources, Is.Null);
        });
    }

    [Test]
    public void Mutate_DaemonSetPod_NoZoneAffinity()
    {
        var (decision, pod) = Run(Pod(ownerKind: "DaemonSet"), Context([WebNetworking]));

        Assert.That(decision.Patch, Is.Not.Empty);
        Assert.That(pod.Spec.Affinity, Is.Null);
        Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("pn-web"));
    }

    [Test]
    public void Mutate_ExistingRequiredTerms_ZoneAppendedToEveryTermPreferredUntouched()
    {
        var pod = Pod();
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = "In", Values = ["ssd"] }] },
                        new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = ["n1"] }] },
                    ],
                },
                PreferredDuringSchedulingIgnoredDuringExecution = [new V1PreferredSchedulingTerm { Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "gpu", OperatorProperty = "Exists" }] }, Weight = 1 }],
            },
        };

        var (_, result) = Run(pod, Context([WebNetworking]));

        var terms = result.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms;
        Assert.Multiple(() =>
        {
            Assert.That(terms[0].MatchExpressions.Select(e => e.Key), Is.EqualTo(new[] { "disk", Labels.TopologyZone }));
            Assert.That(terms[1].MatchExpressions.Single().Values, Is.EqualTo(new[] { "zone-a", "zone-b" }));
            Assert.That(terms[1].MatchFields.Single().Key, Is.EqualTo("metadata.name"));
            Assert.That(result.Spec.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution.Single().Preference.MatchExpressions.Single().Key, Is.EqualTo("gpu"));
        });
    }

    [Test]
    public void Mutate_AffinityWithoutNodeAffinity_NodeAffinityAdded()
    {
        var pod = Pod();
        pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity() };

        var (_, result) = Run(pod, Context([WebNetworking]));

        Assert.That(ZoneTerms(result), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b" } }));
        Assert.That(result.Spec.Affinity.PodAntiAffinity, Is.Not.Null);
    }

    [Test]
    public void Mutate_EmptyTermList_OneTermAdded()
    {
        var pod = Pod();
        pod.Spec.Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [] } } };

        var (_, result) = Run(pod, Context([WebNetworking]));

        Assert.That(ZoneTerms(result), Is.EqualTo(new[] { new[] { "In:zone-a,zone-b" } }));
    }

    [Test]
    public void Mutate_PodWithoutAnnotationsOrLabels_PatchesApplyCleanly()
    {
        var pod = Pod(labels: new Dictionary<string, string>());
        pod.Metadata.Annotations = null;
        var pn = PodNetworking("pn-all", podSelector: new V1LabelSelector());

        var (decision, result) = Run(pod, Context([pn]));

        Assert.That(decision.Patch.Select(p => p.Path), Does.Contain("/metadata/annotations"));
        Assert.That(result.Metadata.Annotations.Keys, Is.EquivalentTo(new[] { Annotations.PodNetworks, Annotations.PodEni, Annotations.PodNetworking }));
    }
}
