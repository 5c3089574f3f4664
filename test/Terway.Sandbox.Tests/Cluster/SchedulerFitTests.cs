using k8s.Models;
using Terway.Sandbox.Cluster.Scheduling;

namespace Terway.Sandbox.Tests.Cluster;

/// <summary>The scheduler's predicates as table tests.</summary>
[TestFixture]
public sealed class SchedulerFitTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string MemberEni = "aliyun/member-eni";
    private const string Eni = "aliyun/eni";

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return Case("plain pod on a ready node", Pod(), Node(), [], []);
        yield return Case("nodeSelector matches", Pod(selector: new() { [Zone] = "h" }), Node(zone: "h"), [], []);
        yield return Case("nodeSelector differs", Pod(selector: new() { [Zone] = "i" }), Node(zone: "h"), [], [FitReasons.NodeAffinity]);
        yield return Case("nodeSelector label missing", Pod(selector: new() { ["disk"] = "ssd" }), Node(zone: "h"), [], [FitReasons.NodeAffinity]);
        yield return Case("zone In [h, i] on h", Pod(affinity: Term(Expr(Zone, "In", "h", "i"))), Node(zone: "h"), [], []);
        yield return Case("zone In [i] on h", Pod(affinity: Term(Expr(Zone, "In", "i"))), Node(zone: "h"), [], [FitReasons.NodeAffinity]);
        yield return Case("zone NotIn [h] on h", Pod(affinity: Term(Expr(Zone, "NotIn", "h"))), Node(zone: "h"), [], [FitReasons.NodeAffinity]);
        yield return Case("terms are ORed", Pod(affinity: [.. Term(Expr(Zone, "In", "i")), .. Term(Expr(Zone, "In", "h"))]), Node(zone: "h"), [], []);
        yield return Case("expressions are ANDed", Pod(affinity: Term(Expr(Zone, "In", "h"), Expr("disk", "Exists"))), Node(zone: "h"), [], [FitReasons.NodeAffinity]);
        yield return Case("DoesNotExist", Pod(affinity: Term(Expr("disk", "DoesNotExist"))), Node(zone: "h"), [], []);
        yield return Case("Gt on a numeric label", Pod(affinity: Term(Expr("gen", "Gt", "6"))), Node(zone: "h", extra: new() { ["gen"] = "7" }), [], []);
        yield return Case("Lt on a numeric label", Pod(affinity: Term(Expr("gen", "Lt", "6"))), Node(zone: "h", extra: new() { ["gen"] = "7" }), [], [FitReasons.NodeAffinity]);
        yield return Case("matchFields metadata.name", Pod(affinity: [new V1NodeSelectorTerm { MatchFields = [Expr("metadata.name", "In", "n1")] }]), Node(), [], []);
        yield return Case("member ENI available", Pod(requests: new() { [MemberEni] = "1" }), Node(allocatable: new() { [MemberEni] = "2" }), [Pod(requests: new() { [MemberEni] = "1" })], []);
        yield return Case("member ENIs used up", Pod(requests: new() { [MemberEni] = "1" }), Node(allocatable: new() { [MemberEni] = "2" }),
            [Pod(requests: new() { [MemberEni] = "1" }), Pod(limits: new() { [MemberEni] = "1" })], [FitReasons.Insufficient(MemberEni)]);
        yield return Case("node has no member ENIs at all", Pod(limits: new() { [MemberEni] = "1" }), Node(), [], [FitReasons.Insufficient(MemberEni)]);
        yield return Case("exclusive ENI", Pod(requests: new() { [Eni] = "1" }), Node(allocatable: new() { [Eni] = "1" }), [], []);
        yield return Case("cpu exhausted", Pod(requests: new() { ["cpu"] = "500m" }), Node(allocatable: new() { ["cpu"] = "1" }), [Pod(requests: new() { ["cpu"] = "600m" })], [FitReasons.Insufficient("cpu")]);
        yield return Case("too many pods", Pod(), Node(allocatable: new() { ["pods"] = "1" }), [Pod()], [FitReasons.TooManyPods]);
        yield return Case("not ready", Pod(), Node(ready: false), [], [FitReasons.NotReady]);
        yield return Case("unschedulable node", Pod(), Node(unschedulable: true), [], [FitReasons.Unschedulable]);
        yield return Case("untolerated taint", Pod(), Node(taint: new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }), [], ["node(s) had untolerated taint {dedicated: gpu}"]);
        yield return Case("tolerated taint", Pod(toleration: new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "gpu", Effect = "NoSchedule" }),
            Node(taint: new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" }), [], []);
        yield return Case("PreferNoSchedule is not a filter", Pod(), Node(taint: new V1Taint { Key = "x", Effect = "PreferNoSchedule" }), [], []);
        yield return Case("several reasons", Pod(selector: new() { [Zone] = "i" }, requests: new() { [MemberEni] = "1" }), Node(zone: "h"), [],
            [FitReasons.NodeAffinity, FitReasons.Insufficient(MemberEni)]);
    }

    [TestCaseSource(nameof(Cases))]
    public void Check_Table(V1Pod pod, V1Node node, V1Pod[] bound, string[] reasons)
    {
        var fit = SchedulerFit.Check(pod, new NodeInfo(node, bound));
        Assert.That(fit.Reasons, Is.EqualTo(reasons));
        Assert.That(fit.Fits, Is.EqualTo(reasons.Length == 0));
    }

    [Test]
    public void Requests_InitContainerLargerThanContainers_WinsPerResource()
    {
        var pod = Pod(requests: new() { ["cpu"] = "100m", [MemberEni] = "1" });
        pod.Spec.InitContainers = [new V1Container { Name = "init", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") } } }];
        var requests = PodRequests.Of(pod);
        Assert.That(requests["cpu"], Is.EqualTo(2m));
        Assert.That(requests[MemberEni], Is.EqualTo(1m));
    }

    [Test]
    public void Summarize_CountsNodesPerReason_SortedAsTheRealScheduler()
    {
        var fits = new[]
        {
            new Fit([FitReasons.Insufficient(MemberEni)]),
            new Fit([FitReasons.NodeAffinity]),
            new Fit([FitReasons.NodeAffinity, FitReasons.Insufficient(MemberEni)]),
        };
        Assert.That(SchedulerFit.Summarize(3, fits),
            Is.EqualTo("0/3 nodes are available: 2 Insufficient aliyun/member-eni, 2 node(s) didn't match Pod's node affinity/selector."));
        Assert.That(SchedulerFit.Summarize(0, []), Is.EqualTo("no nodes available to schedule pods"));
    }

    [Test]
    public void Choose_LeastLoadedThenByName()
    {
        var a = new NodeInfo(Node(name: "a"), [Pod(), Pod()]);
        var b = new NodeInfo(Node(name: "b"), [Pod()]);
        var c = new NodeInfo(Node(name: "c"), [Pod()]);
        Assert.That(SchedulerFit.Choose([a, c, b])!.Node.Metadata.Name, Is.EqualTo("b"));
        Assert.That(SchedulerFit.Choose([]), Is.Null);
    }

    private static TestCaseData Case(string name, V1Pod pod, V1Node node, V1Pod[] bound, string[] reasons) =>
        new TestCaseData(pod, node, bound, reasons).SetName("Check_" + name.Replace(' ', '_').Replace(",", "", StringComparison.Ordinal));

    private static V1Pod Pod(Dictionary<string, string>? selector = null, IList<V1NodeSelectorTerm>? affinity = null,
        Dictionary<string, string>? requests = null, Dictionary<string, string>? limits = null, V1Toleration? toleration = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default" },
        Spec = new V1PodSpec
        {
            NodeSelector = selector,
            Affinity = affinity is null ? null : new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = affinity } } },
            Tolerations = toleration is null ? null : [toleration],
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = requests?.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
                        Limits = limits?.ToDictionary(r => r.Key, r => new ResourceQuantity(r.Value)),
                    },
                },
            ],
        },
    };

    private static V1Node Node(string name = "n1", string zone = "h", Dictionary<string, string>? allocatable = null, bool ready = true, bool unschedulable = false,
        V1Taint? taint = null, Dictionary<string, string>? extra = null)
    {
        var labels = new Dictionary<string, string> { [Zone] = zone };
        foreach (var (k, v) in extra ?? [])
        {
            labels[k] = v;
        }

        var resources = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("16Gi"), ["pods"] = new("110") };
        foreach (var (k, v) in allocatable ?? [])
        {
            resources[k] = new ResourceQuantity(v);
        }

        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1NodeSpec { Unschedulable = unschedulable, Taints = taint is null ? null : [taint] },
            Status = new V1NodeStatus
            {
                Allocatable = resources,
                Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }],
            },
        };
    }

    private static List<V1NodeSelectorTerm> Term(params V1NodeSelectorRequirement[] expressions) => [new V1NodeSelectorTerm { MatchExpressions = expressions }];

    private static V1NodeSelectorRequirement Expr(string key, string op, params string[] values) =>
        new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values };
}
