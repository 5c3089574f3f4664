using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Webhooks.Support;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

/// <summary>
/// Pods and PodNetworkings created through the Kubernetes API emulator, which calls the operator's webhooks over
/// HTTPS as configured by config/operator/webhooks.yaml (caBundle injected by the operator, Service resolved to the
/// in-process listener), with the CRDs of config/crd and the operator running as its ServiceAccount.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookEndToEndTests
{
    private const string Ns = "e2e";
    private WebhookEnvironment _env = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _env = await WebhookEnvironment.StartAsync();
        await _env.EnsureNamespaceAsync(Ns);
        await _env.CreateReadyPodNetworkingAsync(PodNetworking("e2e-web", podSelector: MatchLabels(("app", "web")), vSwitches: ["vsw-h", "vsw-i"]));
        await _env.CreateReadyPodNetworkingAsync(PodNetworking("e2e-db", podSelector: MatchLabels(("app", "db")), allocation: IPAllocTypes.Fixed,
            releaseStrategy: ReleaseStrategies.Ttl, releaseAfter: "10m0s", vSwitches: ["vsw-h", "vsw-i"]));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _env.DisposeAsync();

    private static V1Pod NewPod(string name, string app, string? ownerKind = "ReplicaSet", IDictionary<string, string>? annotations = null, IDictionary<string, string>? extraLabels = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = app };
        foreach (var (k, v) in extraLabels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        var pod = Pod(name, Ns, labels, annotations, ownerKind);
        pod.Metadata.OwnerReferences?.Clear();
        if (ownerKind is not null)
        {
            pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = ownerKind, Name = "owner-" + name, Uid = Guid.NewGuid().ToString() }];
        }

        return pod;
    }

    [Test]
    public async Task CreatePod_MatchingPodNetworking_AnnotatedWithMemberEniAndZoneAffinity()
    {
        var pod = await _env.Admin.CreateAsync(NewPod("web-1", "web"));

        var network = Networks(pod).Single();
        Assert.Multiple(() =>
        {
            Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("e2e-web"));
            Assert.That(pod.Metadata.Annotations[Annotations.PodEni], Is.EqualTo("true"));
            Assert.That(network.VSwitchOptions, Is.EqualTo(new[] { "vsw-h", "vsw-i" }));
            Assert.That(network.AllocationType!.Type, Is.EqualTo(IPAllocTypes.Elastic));
            Assert.That(pod.Spec.Containers[0].Resources.Requests[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
            Assert.That(pod.Spec.Containers[0].Resources.Limits[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
            Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:cn-hangzhou-h,cn-hangzhou-i" } }));
        });
    }

    [Test]
    public async Task CreatePod_FixedWithExistingPodEni_PinnedToThePodEniZone()
    {
        await _env.Admin.CreateAsync(new V1Beta1PodEni
        {
            Metadata = new V1ObjectMeta { Name = "db-0", NamespaceProperty = Ns },
            Spec = new PodEniSpec
            {
                Zone = "cn-hangzhou-i",
                Allocations = [new Allocation { AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "10m0s" }, Eni = new Eni { Id = "eni-1", Zone = "cn-hangzhou-i" } }],
            },
        });
        await WebhookEnvironment.WaitForAsync(() => _env.Manager.GetCache<V1Beta1PodEni>().Get(new ObjectKey(Ns, "db-0")) is not null, "PodENI db-0 in the cache");

        var pod = await _env.Admin.CreateAsync(NewPod("db-0", "db", ownerKind: "StatefulSet"));

        Assert.Multiple(() =>
        {
            Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("e2e-db"));
            Assert.That(Networks(pod).Single().AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed));
            Assert.That(ZoneTerms(pod), Is.EqualTo(new[] { new[] { "In:cn-hangzhou-h,cn-hangzhou-i", "In:cn-hangzhou-i" } }));
        });
    }

    [Test]
    public async Task CreatePod_DeploymentPodMatchingOnlyAFixedPodNetworking_Untouched()
    {
        var pod = await _env.Admin.CreateAsync(NewPod("db-deploy", "db", ownerKind: "ReplicaSet"));

        Assert.That(pod.Metadata.Annotations?.ContainsKey(Annotations.PodEni) ?? false, Is.False);
    }

    [Test]
    public async Task CreatePod_ExplicitPodNetworks_TakePrecedence()
    {
        var pod = await _env.Admin.CreateAsync(NewPod("web-explicit", "web", annotations: new Dictionary<string, string>
        {
            [Annotations.PodNetworks] = """{"podNetworks":[{"interface":"eth0","vSwitchOptions":["vsw-own"],"securityGroupIDs":["sg-own"]}]}""",
        }));

        Assert.Multiple(() =>
        {
            Assert.That(pod.Metadata.Annotations.ContainsKey(Annotations.PodNetworking), Is.False);
            Assert.That(Networks(pod).Single().VSwitchOptions, Is.EqualTo(new[] { "vsw-own" }));
            Assert.That(pod.Metadata.Annotations[Annotations.PodEni], Is.EqualTo("true"));
            Assert.That(pod.Spec.Containers[0].Resources.Requests[ExtendedResources.MemberEni].ToString(), Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task CreatePod_ConflictingAnnotations_RejectedWithTheWebhooksMessage()
    {
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(NewPod("web-conflict", "web", annotations: new Dictionary<string, string>
        {
            [Annotations.PodNetworks] = """{"podNetworks":[{}]}""",
            [Annotations.PodNetworking] = "e2e-web",
        })));

        Assert.That((int)ex!.StatusCode, Is.EqualTo(403));
        Assert.That(ex.Status?.Message, Does.StartWith("admission webhook \"terway.mutating.k8s.io\" denied the request: the annotations").And.Contain("mutually exclusive"));
    }

    [Test]
    public async Task CreatePod_DaemonSetPod_NoAffinity()
    {
        var pod = await _env.Admin.CreateAsync(NewPod("web-ds", "web", ownerKind: "DaemonSet"));

        Assert.That(pod.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("e2e-web"));
        Assert.That(pod.Spec.Affinity, Is.Null);
    }

    [Test]
    public async Task CreatePod_HostNetworkIgnoredOrOptedOutNamespace_Untouched()
    {
        var hostNetwork = NewPod("web-host", "web");
        hostNetwork.Spec.HostNetwork = true;
        var ignored = NewPod("web-ignored", "web", extraLabels: new Dictionary<string, string> { [Labels.IgnoreByTerway] = "true" });
        await _env.EnsureNamespaceAsync("opted-out", new Dictionary<string, string> { [Labels.NamespacePodEni] = "false" });
        var optedOut = NewPod("web-optout", "web");
        optedOut.Metadata.NamespaceProperty = "opted-out";

        var created = new[]
        {
            await _env.Admin.CreateAsync(hostNetwork),
            await _env.Admin.CreateAsync(ignored),
            await _env.Admin.CreateAsync(optedOut),
        };

        foreach (var pod in created)
        {
            Assert.That(pod.Metadata.Annotations?.ContainsKey(Annotations.PodEni) ?? false, Is.False, pod.Metadata.Name);
            Assert.That(pod.Spec.Containers[0].Resources?.Requests, Is.Null, pod.Metadata.Name);
        }
    }

    [Test]
    public async Task CreatePodNetworking_WithoutGroupsAndVSwitches_FilledFromClusterDefaults()
    {
        var pn = PodNetworking("e2e-defaults", podSelector: MatchLabels(("app", "nobody")));
        pn.Spec.SecurityGroupIds = null;
        pn.Spec.VSwitchOptions = null;

        var created = await _env.Admin.CreateAsync(pn);

        Assert.That(created.Spec.SecurityGroupIds, Is.EqualTo(new[] { "sg-default" }));
        Assert.That(created.Spec.VSwitchOptions, Is.EqualTo(new[] { "vsw-default-h", "vsw-default-i" }));
        Assert.That(created.Spec.EniOptions!.EniType, Is.EqualTo(EniAttachTypes.Default), "CRD defaulting still applies after the patch");
    }

    [Test]
    public async Task CreatePodNetworking_ElevenSecurityGroups_Rejected()
    {
        var pn = PodNetworking("e2e-eleven", podSelector: MatchLabels(("app", "x")), securityGroups: [.. Enumerable.Range(0, 11).Select(i => $"sg-{i}")]);

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(pn));

        // The CRD's CEL rule answers first (schema validation runs before validating webhooks).
        Assert.That((int)ex!.StatusCode, Is.EqualTo(422));
        Assert.That(ex.Status?.Message, Does.Contain("securityGroupIDs").And.Contain("between 1 and 10 security groups"));
    }

    [Test]
    public async Task CreatePodNetworking_NeverWithReleaseAfter_Rejected()
    {
        var pn = PodNetworking("e2e-never", podSelector: MatchLabels(("app", "x")), allocation: IPAllocTypes.Fixed, releaseStrategy: ReleaseStrategies.Never, releaseAfter: "5m0s");

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(pn));

        Assert.That(ex!.Status?.Message, Does.Contain("releaseAfter must be empty when releaseStrategy is Never"));
    }

    [Test]
    public async Task CreatePodNetworking_SelectorThatDoesNotParse_RejectedByTheValidatingWebhook()
    {
        var pn = PodNetworking("e2e-badselector", podSelector: new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "Equals", Values = ["web"] }],
        });

        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(pn));

        Assert.That((int)ex!.StatusCode, Is.EqualTo(422));
        Assert.That(ex.Status?.Message, Is.EqualTo("admission webhook \"terway.validate.k8s.io\" denied the request: PodNetworking e2e-badselector is invalid: "
            + "spec.selector.podSelector.matchExpressions[0].operator: 'Equals' is not a valid selector operator; use In, NotIn, Exists or DoesNotExist"));
    }

    [Test]
    public async Task UpdatePodNetworking_ValidatedOnUpdateToo()
    {
        var created = await _env.Admin.CreateAsync(PodNetworking("e2e-update", podSelector: MatchLabels(("app", "nobody"))));

        created.Spec.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never };
        var allowed = await _env.Admin.UpdateAsync(created);
        allowed.Spec.Selector!.PodSelector!.MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "In" }];
        var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.UpdateAsync(allowed));

        Assert.That(allowed.Spec.AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed), "changing the allocation type is allowed (with a warning)");
        Assert.That(ex!.Status?.Message, Does.Contain("matchExpressions[0].values: must be specified when operator is In"));
    }

    [Test]
    public async Task WebhooksDown_PodsPassUnmutatedPodNetworkingsAreRefused_ThenServedAgainAfterRestart()
    {
        await _env.StopWebhooksAsync();
        try
        {
            var pod = await _env.Admin.CreateAsync(NewPod("web-while-down", "web"));
            var ex = await Assert.ThrowsAsync<KubeApiException>(() => _env.Admin.CreateAsync(PodNetworking("e2e-while-down", podSelector: MatchLabels(("app", "x")))));

            Assert.That(pod.Metadata.Annotations?.ContainsKey(Annotations.PodEni) ?? false, Is.False, "failurePolicy Ignore: the pod is created as is");
            Assert.That((int)ex!.StatusCode, Is.EqualTo(500));
            Assert.That(ex.Status?.Message, Does.Contain("failed calling webhook \"terway.validate.k8s.io\""), "failurePolicy Fail: no unvalidated PodNetworking");
        }
        finally
        {
            await _env.StartWebhooksAsync();
        }

        // A restarted replica reuses the stored certificate, so the caBundle already in the configurations verifies it.
        var again = await _env.Admin.CreateAsync(NewPod("web-after-restart", "web"));
        Assert.That(again.Metadata.Annotations[Annotations.PodNetworking], Is.EqualTo("e2e-web"));
    }
}
