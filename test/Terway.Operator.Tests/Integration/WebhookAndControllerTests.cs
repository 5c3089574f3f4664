using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>The whole operator: the API server calls its webhooks, which mark the pod, and its controllers bind the pod's ENI.</summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookAndControllerTests
{
    [Test]
    public async Task PodMutatedByTheWebhook_BoundByTheControllers()
    {
        await using var rig = await OperatorRig.StartAsync(webhooks: true);
        Assert.That(rig.Operator!.Webhooks, Is.Not.Null);
        Assert.That(rig.Operator.Webhooks!.BaseAddress.Host, Is.EqualTo("127.0.0.1"));
        await OperatorRig.EventuallyAsync(() => Task.FromResult(rig.Operator.IsReady), TimeSpan.FromSeconds(20), "the operator to be ready");
        using (var http = new HttpClient())
        {
            var readyz = await http.GetAsync(new Uri(rig.Operator.HealthAddress!, "/readyz?verbose"));
            var body = await readyz.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That((int)readyz.StatusCode, Is.EqualTo(200), body);
                Assert.That(body, Does.Contain("[+]webhooks ok: listening on " + rig.Operator.Webhooks.BaseAddress));
            });
        }

        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH, OperatorRig.VSwitchI];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "web");

        // The caBundle is in place before the API server calls the webhook.
        await OperatorRig.EventuallyAsync(async () =>
            (await rig.TryGetAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster(InstallNames.WebhookConfiguration)))?.Webhooks?.All(w => w.ClientConfig.CaBundle is { Length: > 0 }) == true,
            TimeSpan.FromSeconds(20), "caBundle to be injected");

        var pod = await rig.CreatePodAsync("apps", "web-0", "node-1", new Dictionary<string, string> { ["app"] = "web" }, replicaSet: "web-rs");
        Assert.Multiple(() =>
        {
            Assert.That(pod.GetAnnotation(Annotations.PodNetworking), Is.EqualTo("web"), "mutated by the webhook");
            Assert.That(pod.GetAnnotation(Annotations.PodEni), Is.EqualTo(Annotations.True));
            Assert.That(pod.GetAnnotation(Annotations.PodNetworks), Is.Not.Null.And.Not.Empty);
            Assert.That(pod.Spec.Containers[0].Resources?.Requests?[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
            Assert.That(pod.Spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms
                    .SelectMany(t => t.MatchExpressions ?? []).Where(e => e.Key == "topology.kubernetes.io/zone").SelectMany(e => e.Values),
                Is.EquivalentTo(new[] { OperatorRig.ZoneH, OperatorRig.ZoneI }), "pinned to the PodNetworking's zones");
        });

        var pe = await rig.WaitPhaseAsync("apps", "web-0", PodEniPhases.Bind);
        var eni = rig.Cloud.Snapshot().FindEni(pe.Spec.Allocations![0].Eni!.Id!)!;
        Assert.Multiple(() =>
        {
            Assert.That(eni.Status, Is.EqualTo(EniStatus.InUse));
            Assert.That(eni.Type, Is.EqualTo(EniType.Member));
            Assert.That(pe.Spec.Allocations[0].Eni!.VSwitchId, Is.EqualTo(OperatorRig.VSwitchH), "the vSwitch of the node's zone");
            Assert.That(eni.SecurityGroupIds, Is.EqualTo(new[] { OperatorRig.SgPods }));
            Assert.That(eni.TrunkNetworkInterfaceId, Is.Not.Null.And.EqualTo(pe.Status!.TrunkEniId), "on node-1's trunk");
            Assert.That(pe.Status.InstanceId, Is.EqualTo(OperatorRig.Instance1));
        });
    }

    [Test]
    public async Task WebhookListenerStopped_ReadinessFails()
    {
        await using var rig = await OperatorRig.StartAsync(webhooks: true);
        await OperatorRig.EventuallyAsync(() => Task.FromResult(rig.Operator!.IsReady), TimeSpan.FromSeconds(20), "the operator to be ready");
        await rig.Operator!.Webhooks!.DisposeAsync();
        var failed = rig.Operator.Manager.CheckReadiness().Single(c => c.Name == "webhooks");
        Assert.Multiple(() =>
        {
            Assert.That(failed.Ok, Is.False);
            Assert.That(failed.Detail, Is.EqualTo("admission webhooks not listening"));
            Assert.That(rig.Operator.IsReady, Is.False);
        });
    }

    [Test]
    public async Task DisableWebhook_NoListenerAndNoReadinessCheck()
    {
        await using var rig = await OperatorRig.StartAsync(webhooks: false);
        await OperatorRig.EventuallyAsync(() => Task.FromResult(rig.Operator!.IsReady), TimeSpan.FromSeconds(20), "the operator to be ready");
        Assert.Multiple(() =>
        {
            Assert.That(rig.Operator!.Webhooks, Is.Null);
            Assert.That(rig.Operator.Manager.CheckReadiness().Select(c => c.Name), Does.Not.Contain("webhooks"));
        });
    }
}
