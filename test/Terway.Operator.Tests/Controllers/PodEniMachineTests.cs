using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Cloud;
using Terway.Operator.Controllers.Pod;
using Terway.Operator.Controllers.PodEni;

namespace Terway.Operator.Tests.Controllers;

/// <summary>The PodENI phase machine, case by case: facts in, the one next action out.</summary>
[TestFixture]
public sealed class PodEniMachineTests
{
    private static readonly DateTime Now = new(2026, 7, 24, 12, 0, 0, DateTimeKind.Utc);
    private const string Uid = "uid-1";
    private const string Eni = "eni-1";
    private const string Instance = "i-1";
    private const string Trunk = "eni-trunk1";

    // ------------------------------------------------------------------ builders

    private static V1Pod Pod(string uid = Uid, string? node = "node-1", bool deleting = false, string? phase = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns", Uid = uid, DeletionTimestamp = deleting ? Now : null },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus { Phase = phase },
    };

    private static NodeFacts Node(bool exists = true, string? trunk = Trunk, string zone = "zone-a", string? instance = Instance, bool? capable = true) =>
        new("node-1", exists, instance, zone, trunk, capable);

    private static V1Beta1PodEni PodEni(string phase = PodEniPhases.Initial, string? eni = Eni, string type = IPAllocTypes.Elastic, bool trunk = true,
        string? release = null, string? after = null, DateTime? lastSeen = null, string? statusTrunk = Trunk, string podUid = Uid, bool deleting = false, bool finalizer = true)
    {
        var pe = new V1Beta1PodEni
        {
            Metadata = new V1ObjectMeta
            {
                Name = "p",
                NamespaceProperty = "ns",
                Uid = "pe-uid",
                Annotations = new Dictionary<string, string> { [Annotations.PodUid] = podUid },
                Finalizers = finalizer ? [Finalizers.PodEni] : null,
                DeletionTimestamp = deleting ? Now : null,
            },
            Spec = new PodEniSpec
            {
                Zone = "zone-a",
                Allocations =
                [
                    new Allocation
                    {
                        AllocationType = new AllocationType { Type = type, ReleaseStrategy = release, ReleaseAfter = after },
                        Eni = new Terway.Crds.V1Beta1.Eni { Id = eni, VSwitchId = "vsw-1", Zone = "zone-a", AttachmentOptions = new AttachmentOptions { Trunk = trunk } },
                    },
                ],
            },
            Status = new PodEniStatus { Phase = phase, PodLastSeen = lastSeen, TrunkEniId = phase == PodEniPhases.Bind ? statusTrunk : null },
        };
        return pe;
    }

    private static CloudEni Cloud(string status, string? instance = null, string? trunk = null, string id = Eni, int? vid = null) =>
        new(id, status, trunk is null ? EniTypes.Secondary : EniTypes.Member, "vpc-1", "vsw-1", "zone-a", "00:16:3e:00:00:01", "192.168.0.10", null,
            instance, trunk, vid, ["sg-1"], new Dictionary<string, string>(), Now.AddHours(-1));

    private static Dictionary<string, CloudEni> Facts(params CloudEni[] enis) => enis.ToDictionary(e => e.Id, StringComparer.Ordinal);

    private static PodEniInput Input(V1Beta1PodEni? pe, V1Pod? pod, NodeFacts? node = null, Dictionary<string, CloudEni>? cloud = null,
        PodNetworkResolution? resolution = null, Dictionary<string, int>? polls = null, IReadOnlyList<CloudEni>? strays = null) => new()
    {
        PodEni = pe,
        Pod = pod,
        Node = node ?? (pod is null ? null : Node()),
        Cloud = cloud,
        Resolution = resolution,
        Polls = polls ?? new Dictionary<string, int>(),
        Strays = strays,
        Now = Now,
        LastSeenRefresh = TimeSpan.FromMinutes(1),
        StuckDetachPolls = 3,
    };

    private static readonly PodNetworkResolution.Planned Plan = new("pn", [new AllocationPlan
    {
        Interface = "eth0",
        VSwitchOptions = ["vsw-1"],
        SecurityGroupIds = ["sg-1"],
        AllocationType = new AllocationType { Type = IPAllocTypes.Elastic },
        Trunk = true,
    }]);

    private static PodEniAction Decide(PodEniInput input) => PodEniMachine.Decide(input);

    // ------------------------------------------------------------------ no PodENI yet

    [Test]
    public void NoPodEni_PodNeedsEni_CreatesPodEni() =>
        Assert.That(Decide(Input(null, Pod(), resolution: Plan)), Is.EqualTo(new CreatePodEni(Plan)));

    [Test]
    public void NoPodEni_PodNeedsNothing_Done() =>
        Assert.That(Decide(Input(null, Pod(), resolution: new PodNetworkResolution.NotNeeded("x"))), Is.TypeOf<Done>());

    [Test]
    public void NoPodEni_PodTerminating_DoesNotCreate() =>
        Assert.That(Decide(Input(null, Pod(deleting: true), resolution: Plan)), Is.TypeOf<Done>());

    [Test]
    public void NoPodEni_PodFinished_DoesNotCreate() =>
        Assert.That(Decide(Input(null, Pod(phase: "Succeeded"), resolution: Plan)), Is.TypeOf<Done>());

    [Test]
    public void NoPodEni_PodNetworkingNotReady_WaitsWithBackoff() =>
        Assert.That(Decide(Input(null, Pod(), resolution: new PodNetworkResolution.Pending(ConditionReasons.Progressing, "not ready"))),
            Is.EqualTo(new WaitFor(ConditionReasons.Progressing, "not ready", WaitKind.Backoff)));

    [Test]
    public void NoPodEni_NodeWithoutZone_WaitsForTheNodeEvent()
    {
        var action = Decide(Input(null, Pod(), Node(zone: ""), resolution: Plan));
        Assert.That(action, Is.TypeOf<WaitFor>().With.Property(nameof(WaitFor.Reason)).EqualTo(ConditionReasons.NodeMetadataMissing)
            .And.Property(nameof(WaitFor.Kind)).EqualTo(WaitKind.Event));
    }

    // ------------------------------------------------------------------ binding

    [Test]
    public void Initial_NoEniRecorded_CreatesIt() =>
        Assert.That(Decide(Input(PodEni(eni: null), Pod())), Is.EqualTo(new CreateEni(0, null)));

    [Test]
    public void Initial_EniRecorded_NoCloudFacts_ReadsTheCloud() =>
        Assert.That(Decide(Input(PodEni(), Pod())), Is.TypeOf<ReadCloud>());

    [Test]
    public void Initial_EniAvailable_AttachesAsMemberOfTheNodeTrunk() =>
        Assert.That(Decide(Input(PodEni(), Pod(), cloud: Facts(Cloud(EniStatuses.Available)))), Is.EqualTo(new Attach(0, Eni, Instance, Trunk)));

    [Test]
    public void Initial_ExclusiveEniAvailable_AttachesToTheInstanceWithoutTrunk() =>
        Assert.That(Decide(Input(PodEni(trunk: false), Pod(), cloud: Facts(Cloud(EniStatuses.Available)))), Is.EqualTo(new Attach(0, Eni, Instance, null)));

    [Test]
    public void Initial_Attaching_Polls() =>
        Assert.That(Decide(Input(PodEni(), Pod(), cloud: Facts(Cloud(EniStatuses.Attaching, Instance, Trunk)))), Is.EqualTo(new WaitCloud(0, Eni, EniStatuses.Attaching)));

    [Test]
    public void Initial_InUseOnTheTrunk_MarksBound() =>
        Assert.That(Decide(Input(PodEni(), Pod(), cloud: Facts(Cloud(EniStatuses.InUse, Instance, Trunk, vid: 5)))), Is.TypeOf<MarkBound>());

    [Test]
    public void Initial_AttachFellBackToAvailable_AttachesAgain() =>
        Assert.That(Decide(Input(PodEni(), Pod(), cloud: Facts(Cloud(EniStatuses.Available)), polls: new() { [Eni] = 4 })), Is.TypeOf<Attach>());

    [Test]
    public void Initial_TrunkNotReady_WaitsForTheTrunkEventNotATimer()
    {
        var action = Decide(Input(PodEni(), Pod(), Node(trunk: null), cloud: Facts(Cloud(EniStatuses.Available))));
        Assert.That(action, Is.EqualTo(new WaitFor(ConditionReasons.TrunkNotReady, "the trunk ENI of node node-1 is not attached yet", WaitKind.Event)));
    }

    [Test]
    public void Initial_NodeCannotHaveATrunk_Stalls()
    {
        var action = Decide(Input(PodEni(), Pod(), Node(trunk: null, capable: false), cloud: Facts(Cloud(EniStatuses.Available))));
        Assert.That(action, Is.TypeOf<WaitFor>().With.Property(nameof(WaitFor.Kind)).EqualTo(WaitKind.Stalled));
    }

    [Test]
    public void Initial_NodeInAnotherZone_StallsWithZoneMismatch()
    {
        var action = Decide(Input(PodEni(), Pod(), Node(zone: "zone-b")));
        Assert.That(action, Is.TypeOf<WaitFor>().With.Property(nameof(WaitFor.Reason)).EqualTo(ConditionReasons.ZoneMismatch));
    }

    [Test]
    public void Initial_EniVanished_CreatesAReplacement() =>
        Assert.That(Decide(Input(PodEni(), Pod(), cloud: Facts())), Is.EqualTo(new CreateEni(0, Eni)));

    [Test]
    public void Binding_EniInUseOnAnotherNodesTrunk_DetachesItFirst() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Binding, type: IPAllocTypes.Fixed), Pod(), cloud: Facts(Cloud(EniStatuses.InUse, "i-old", "eni-oldtrunk")))),
            Is.EqualTo(new Detach(0, Eni, "i-old", "eni-oldtrunk", "attached elsewhere")));

    [Test]
    public void Binding_Detaching_Polls() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Binding, type: IPAllocTypes.Fixed), Pod(), cloud: Facts(Cloud(EniStatuses.Detaching, "i-old", "eni-oldtrunk")))),
            Is.EqualTo(new WaitCloud(0, Eni, EniStatuses.Detaching)));

    [Test]
    public void Binding_StuckInDetaching_DetachesAgain() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Binding, type: IPAllocTypes.Fixed), Pod(), cloud: Facts(Cloud(EniStatuses.Detaching, "i-old", "eni-oldtrunk")), polls: new() { [Eni] = 3 })),
            Is.EqualTo(new Detach(0, Eni, "i-old", "eni-oldtrunk", "stuck in Detaching")));

    [Test]
    public void Initial_PodTerminating_Holds() =>
        Assert.That(Decide(Input(PodEni(), Pod(deleting: true))), Is.TypeOf<Done>());

    // ------------------------------------------------------------------ bound

    [Test]
    public void Bind_ElasticPodPresent_NoCloudCallNoWrite() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind), Pod())), Is.EqualTo(new Done()));

    [Test]
    public void Bind_FixedPodPresent_RefreshesStaleLastSeen() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, type: IPAllocTypes.Fixed, lastSeen: Now.AddMinutes(-2)), Pod())), Is.TypeOf<RefreshLastSeen>());

    [Test]
    public void Bind_FixedPodPresent_FreshLastSeen_LooksAgainWhenItIsDue() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, type: IPAllocTypes.Fixed, lastSeen: Now.AddSeconds(-20)), Pod())),
            Is.EqualTo(new Done(TimeSpan.FromSeconds(40))));

    [Test]
    public void Bind_ElasticPodGone_Deletes() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind), null)), Is.EqualTo(new SetPhase(PodEniPhases.Deleting, "the pod is gone")));

    [Test]
    public void Bind_FixedPodGone_Detaches() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, type: IPAllocTypes.Fixed), null)), Is.EqualTo(new SetPhase(PodEniPhases.Detaching, "the pod is gone")));

    [Test]
    public void Bind_PodFinished_TreatedAsGone() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind), Pod(phase: "Failed"))), Is.TypeOf<SetPhase>());

    [Test]
    public void Bind_NodeDeleted_TreatedAsGone() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind), Pod(), Node(exists: false))), Is.EqualTo(new SetPhase(PodEniPhases.Deleting, "the pod is gone")));

    [Test]
    public void Bind_FixedPodRecreatedWithNewUid_Retargets() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, type: IPAllocTypes.Fixed), Pod(uid: "uid-2"))),
            Is.TypeOf<Retarget>().With.Property(nameof(Retarget.PodUid)).EqualTo("uid-2"));

    [Test]
    public void Bind_ElasticPodRecreatedWithNewUid_DeletesTheOldPodEni() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind), Pod(uid: "uid-2"))), Is.EqualTo(new SetPhase(PodEniPhases.Deleting, "the pod is gone")));

    [Test]
    public void Bind_FixedPodRecreatedButNotScheduled_Detaches() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, type: IPAllocTypes.Fixed), Pod(uid: "uid-2", node: null), node: null)),
            Is.EqualTo(new SetPhase(PodEniPhases.Detaching, "the pod is gone")));

    [Test]
    public void Bind_NodeTrunkReplaced_Retargets() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, statusTrunk: "eni-oldtrunk"), Pod())), Is.TypeOf<Retarget>());

    // ------------------------------------------------------------------ detaching / unbind

    [Test]
    public void Detaching_InUse_Detaches() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Detaching, type: IPAllocTypes.Fixed), null, cloud: Facts(Cloud(EniStatuses.InUse, Instance, Trunk)))),
            Is.EqualTo(new Detach(0, Eni, Instance, Trunk, "releasing")));

    [Test]
    public void Detaching_Available_MarksUnbound() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Detaching, type: IPAllocTypes.Fixed), null, cloud: Facts(Cloud(EniStatuses.Available)))), Is.TypeOf<MarkUnbound>());

    [Test]
    public void Detaching_EniGone_MarksUnbound() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Detaching, type: IPAllocTypes.Fixed), null, cloud: Facts())), Is.TypeOf<MarkUnbound>());

    [Test]
    public void Detaching_NewPodArrives_Retargets() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Detaching, type: IPAllocTypes.Fixed), Pod(uid: "uid-2"))), Is.TypeOf<Retarget>());

    [Test]
    public void Unbind_NewPodScheduled_Retargets() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Never), Pod(uid: "uid-2"))),
            Is.EqualTo(new Retarget("uid-2", "node-1", "pod uid-2 on node node-1 takes over the ENIs")));

    [Test]
    public void Unbind_TtlNotYetPassed_LooksAgainWhenItIsDue() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Ttl, after: "5m0s", lastSeen: Now.AddMinutes(-2)), null)),
            Is.EqualTo(new Done(TimeSpan.FromMinutes(3))));

    [Test]
    public void Unbind_TtlPassed_Deletes() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Ttl, after: "5m0s", lastSeen: Now.AddMinutes(-6)), null)),
            Is.TypeOf<SetPhase>().With.Property(nameof(SetPhase.Phase)).EqualTo(PodEniPhases.Deleting));

    [Test]
    public void Unbind_Never_KeepsTheEni() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Never, lastSeen: Now.AddYears(-1)), null)), Is.TypeOf<Done>()
            .With.Property(nameof(Done.RequeueAfter)).Null);

    [Test]
    public void Unbind_NoReleaseStrategy_KeepsTheEniAsTerwayDoes() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, lastSeen: Now.AddYears(-1)), null)), Is.TypeOf<Done>());

    [Test]
    public void Unbind_UnparseableTtl_KeepsTheEni() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Ttl, after: "soon", lastSeen: Now.AddYears(-1)), null)), Is.TypeOf<Done>());

    [Test]
    public void Unbind_NoLastSeen_StampsIt() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Unbind, type: IPAllocTypes.Fixed, release: ReleaseStrategies.Ttl, after: "5m"), null)), Is.TypeOf<RefreshLastSeen>());

    // ------------------------------------------------------------------ deleting

    [Test]
    public void Deleting_InUse_Detaches() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting), null, cloud: Facts(Cloud(EniStatuses.InUse, Instance, Trunk)))), Is.TypeOf<Detach>());

    [Test]
    public void Deleting_Available_DeletesTheEni() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting), null, cloud: Facts(Cloud(EniStatuses.Available)))), Is.EqualTo(new DeleteEni(0, Eni)));

    [Test]
    public void Deleting_EniDeleting_WaitsForItToGo() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting), null, cloud: Facts(Cloud(EniStatuses.Deleting)))), Is.EqualTo(new WaitCloud(0, Eni, EniStatuses.Deleting)));

    [Test]
    public void Deleting_EniGone_Finalizes() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting), null, cloud: Facts())), Is.TypeOf<Finalize>());

    [Test]
    public void Deleting_NoEniRecorded_LooksForUnrecordedOnesFirst() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting, eni: null), null)), Is.TypeOf<FindStrays>());

    [Test]
    public void Deleting_UnrecordedEniFound_DeletesIt() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting, eni: null), null, strays: [Cloud(EniStatuses.Available, id: "eni-stray")])),
            Is.EqualTo(new DeleteEni(-1, "eni-stray")));

    [Test]
    public void Deleting_NoUnrecordedEni_Finalizes() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Deleting, eni: null), null, strays: [])), Is.TypeOf<Finalize>());

    [Test]
    public void PodEniDeletedByUser_EvenWithItsPodRunning_ReleasesTheEni() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, deleting: true), Pod(), cloud: Facts(Cloud(EniStatuses.InUse, Instance, Trunk)))), Is.TypeOf<Detach>());

    [Test]
    public void PodEniDeletedWithoutOurFinalizer_Done() =>
        Assert.That(Decide(Input(PodEni(PodEniPhases.Bind, deleting: true, finalizer: false), Pod())), Is.TypeOf<Done>());

    [Test]
    public void UnknownPhase_LeftAlone() =>
        Assert.That(Decide(Input(PodEni("Weird"), Pod())), Is.TypeOf<Done>());

    // ------------------------------------------------------------------ presence

    [TestCase(null, true, true, false, null, "Current")]
    [TestCase("uid-2", true, true, false, null, "Replaced")]
    [TestCase("uid-2", true, true, true, null, "Gone")]
    [TestCase(null, true, true, true, null, "Terminating")]
    [TestCase(null, true, false, false, null, "Gone")]
    [TestCase(null, false, false, false, null, "Gone")]
    [TestCase(null, true, true, false, "Succeeded", "Gone")]
    public void Classify_PodAndNodeFacts_Presence(string? otherUid, bool podExists, bool nodeExists, bool deleting, string? phase, string expected) =>
        Assert.That(PodEniMachine.Classify(PodEni(), podExists ? Pod(uid: otherUid ?? Uid, deleting: deleting, phase: phase) : null, Node(exists: nodeExists)).ToString(),
            Is.EqualTo(expected));
}
